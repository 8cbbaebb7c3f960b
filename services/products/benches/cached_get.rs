//! Latency and throughput of a cached `GetProduct`, through the gRPC client.
//!
//! Needs the test servers (`scripts/infra.sh start`). Starts the service in-process on
//! a database and Redis prefix of its own, creates a product, reads it once so it is
//! cached, then runs concurrent callers over a few HTTP/2 connections for a fixed time
//! and prints requests per second and latency percentiles. Callers and service share
//! the process and its cores, so the figures are a floor, not a ceiling.
//!
//! ```text
//! cargo bench -p shop-products --bench cached_get
//! BENCH_SECONDS=20 BENCH_CALLERS=128 cargo bench -p shop-products --bench cached_get
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use shop_proto::products::v1::GetProductRequest;
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use support::counter;

/// HTTP/2 connections the callers share.
const CONNECTIONS: usize = 4;

fn setting(name: &str, default: u64) -> anyhow::Result<u64> {
    match std::env::var(name) {
        Ok(raw) => raw
            .parse()
            .with_context(|| format!("{name} must be a number")),
        Err(_) => Ok(default),
    }
}

fn main() -> anyhow::Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs bench targets
    // without it, and must not start a 10-second benchmark.
    if !std::env::args().any(|arg| arg == "--bench") {
        return Ok(());
    }
    let seconds = setting("BENCH_SECONDS", 10)?;
    let callers = setting("BENCH_CALLERS", 64)?;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(Duration::from_secs(seconds), callers))
}

async fn run(duration: Duration, callers: u64) -> anyhow::Result<()> {
    let service = support::start().await;
    let product = service
        .create("Benchmark", "A cached product", 1999, 5)
        .await;
    service.get(&product.id).await?;
    ensure!(
        service.cached_product(&product.id).await.is_some(),
        "the product is not cached after a read: is Redis up?"
    );

    let mut clients = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        clients.push(ProductsServiceClient::connect(format!("http://{}", service.addr)).await?);
    }
    let hits_before = counter("products_cache_hits_total");
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|i| {
            let client = clients[usize::try_from(i).unwrap_or_default() % CONNECTIONS].clone();
            tokio::spawn(call_until(client, product.id.clone(), deadline))
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = started.elapsed();
    let hits = counter("products_cache_hits_total") - hits_before;
    report(&mut latencies, elapsed, callers, hits);
    Ok(())
}

/// Calls `GetProduct` until `deadline`; returns each call's latency.
async fn call_until(
    mut client: ProductsServiceClient<tonic::transport::Channel>,
    id: String,
    deadline: Instant,
) -> anyhow::Result<Vec<Duration>> {
    let mut latencies = Vec::new();
    while Instant::now() < deadline {
        let started = Instant::now();
        client
            .get_product(GetProductRequest { id: id.clone() })
            .await?;
        latencies.push(started.elapsed());
    }
    Ok(latencies)
}

fn report(latencies: &mut [Duration], elapsed: Duration, callers: u64, hits: f64) {
    latencies.sort_unstable();
    let percentile = |p: f64| {
        let last = latencies.len().saturating_sub(1) as f64;
        latencies
            .get((last * p).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    let requests = latencies.len();
    println!("cached GetProduct: {callers} callers over {CONNECTIONS} connections, {elapsed:.1?}");
    println!("  requests   {requests} ({hits} cache hits)");
    println!(
        "  throughput {:.0} requests/s",
        requests as f64 / elapsed.as_secs_f64()
    );
    for (name, p) in [("p50", 0.50), ("p90", 0.90), ("p99", 0.99), ("max", 1.0)] {
        println!("  {name:<10} {:.2?}", percentile(p));
    }
}
