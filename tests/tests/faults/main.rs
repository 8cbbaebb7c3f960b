//! Faults under load: while `buy` load runs (the library behind `shopctl load`), each
//! service is SIGKILLed and started again, the Kafka broker is down for 30 s, Redis
//! is down (products keep answering from PostgreSQL), and orders' PostgreSQL crashes
//! and restarts. Afterwards every order the API accepted reached a final state, no
//! stock went negative or was taken twice for one order, every consumer group caught
//! up, and no service needed restarting by hand: they reconnected by themselves.
//!
//! The broker, Redis and orders' PostgreSQL are this test's own, so the faults
//! disturb no other test.

#[path = "../support/mod.rs"]
mod support;

mod checks;
mod inject;
mod setup;

use std::sync::Arc;
use std::time::{Duration, Instant};

use shop_common::service::ServiceKind;
use shopctl::load::fixture::Setup;
use shopctl::load::report::LoadReport;
use shopctl::load::scenario::Scenario;
use shopctl::load::{LoadPlan, LoadRunner, Mode};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Running};

use inject::Fault;
use setup::{FaultsPlatform, PrivateInfra, pool};

/// The block of ports of this test binary's platform.
const PORTS: u16 = 22600;
/// Orders per second: modest, the machine is small and shared.
const RATE: f64 = 10.0;
/// Long enough to cover every fault on a loaded machine.
const LOAD: Duration = Duration::from_secs(130);
/// How long after the load accepted orders may take to confirm or cancel.
const SETTLE: Duration = Duration::from_secs(120);
/// A pause between faults, for the platform to get back to work.
const BREATHER: Duration = Duration::from_secs(3);

fn buy_plan() -> LoadPlan {
    LoadPlan {
        scenario: Scenario::Buy,
        mode: Mode::Rate {
            per_second: RATE,
            connections: 64,
            max_in_flight: 32,
        },
        duration: LOAD,
        poll_interval: Duration::from_millis(200),
        poll_budget: 50.0,
        settle: SETTLE,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orders_survive_crashes_and_outages_under_load() {
    progress("starting");
    let mut infra = PrivateInfra::start().await;
    let data = FaultsPlatform::new(&infra).await;
    let mut running = Running::start_with(PORTS, data.env.clone()).await;
    let api = Api::new(&running.base_url);

    let runner = LoadRunner::new(&running.base_url, 64, Duration::from_secs(10), false)
        .expect("a load runner");
    let setup = Setup {
        admin_email: ADMIN_EMAIL.to_owned(),
        admin_password: ADMIN_PASSWORD.to_owned(),
        users: 32,
    };
    progress("platform up");
    let fixture = Arc::new(runner.prepare(&setup).await.expect("the load fixture"));
    let products = pool(&data.products_url).await;
    let stock_before = checks::stock(&products).await;
    let product_ids = fixture.products.clone();
    let load = tokio::spawn(async move { runner.run(fixture, &buy_plan()).await });
    tokio::time::sleep(BREATHER).await;

    let mut faults = Vec::new();
    let mut record = |what: String, took: Duration, load: &tokio::task::JoinHandle<_>| {
        progress(&format!("{what}: {took:?}"));
        faults.push(Fault {
            what,
            took,
            under_load: !load.is_finished(),
        });
    };
    for service in ServiceKind::ALL {
        let took = inject::kill_and_restart(&mut running.platform, service).await;
        record(format!("{service} SIGKILLed and restarted"), took, &load);
        tokio::time::sleep(BREATHER).await;
    }
    let took = inject::broker_outage(&mut running.platform, &mut infra).await;
    record(
        "Kafka broker stopped 30 s, restarted".to_owned(),
        took,
        &load,
    );
    tokio::time::sleep(BREATHER).await;
    let (took, reads) =
        inject::redis_outage(&mut running.platform, &mut infra, &api, &product_ids).await;
    record(
        format!("Redis stopped 15 s ({reads} product reads meanwhile, all 200), restarted"),
        took,
        &load,
    );
    tokio::time::sleep(BREATHER).await;
    let took = inject::orders_postgres_crash(&mut running.platform, &mut infra).await;
    record(
        "orders' PostgreSQL crashed (immediate stop), restarted".to_owned(),
        took,
        &load,
    );

    let report = load.await.expect("the load task").expect("the load runs");
    let orders_db = pool(&data.orders_url).await;
    progress(&format!("load over: {:?}", report.orders));
    let by_status = match checks::orders_settle(&orders_db, &products).await {
        Ok(by_status) => by_status,
        Err(stuck) => panic!(
            "{stuck}\n{}\n--- broker running: {}, answers a new client: {:?}; its last lines:\n{}",
            pipeline_logs(&mut running),
            infra.broker.is_running(),
            checks::broker_answers(&infra.broker.address(), &data.topic_prefix).await,
            infra.broker.log_tail(30)
        ),
    };
    progress("orders settled");
    let lags = checks::consumers_caught_up(&infra.broker.address(), &data.topic_prefix).await;
    progress("consumers caught up");
    let reconciliation = checks::reconcile(&stock_before, &products, &orders_db).await;
    if let Some((service, status, lines)) = running.platform.exited() {
        panic!(
            "{service} exited ({status}) and needed a restart:\n{}",
            lines.join("\n")
        );
    }
    let unhealthy = running.platform.unhealthy().await;
    assert!(unhealthy.is_empty(), "unhealthy at the end: {unhealthy:?}");
    let stopped = Instant::now();
    running.stop().await;

    let lines = report_lines(&faults, &report, &by_status, &lags, &reconciliation);
    support::write_report("faults", &lines);
    eprintln!("stopped in {:?}", stopped.elapsed());
    assert_orders_kept(&report);
}

/// A line on the test's output (shown when it fails): where the test got to, when.
fn progress(what: &str) {
    static STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(Instant::now);
    eprintln!("[faults {:>6.1} s] {what}", started.elapsed().as_secs_f64());
}

/// The last lines of the services an order goes through, to tell where it stopped.
fn pipeline_logs(running: &mut Running) -> String {
    let mut logs = String::new();
    for service in [
        ServiceKind::Orders,
        ServiceKind::Stock,
        ServiceKind::Products,
        ServiceKind::Shipping,
    ] {
        if let Some(process) = running.platform.process_mut(service) {
            logs += &format!("--- last lines of {service}:\n");
            logs += &process.recent_output().join("\n");
            logs += "\n";
        }
    }
    logs
}

/// Every order the API accepted was confirmed or cancelled, and the load did work.
fn assert_orders_kept(report: &LoadReport) {
    let orders = report.orders.as_ref().expect("buy reports orders");
    assert_eq!(
        orders.lost, 0,
        "accepted orders never confirmed nor cancelled"
    );
    assert!(orders.accepted > 0, "no order was accepted");
    assert!(orders.confirmed > 0, "no order was confirmed");
}

fn report_lines(
    faults: &[Fault],
    load: &LoadReport,
    by_status: &std::collections::BTreeMap<String, i64>,
    lags: &[(String, i64)],
    reconciliation: &checks::Reconciliation,
) -> Vec<String> {
    let mut lines = vec![format!(
        "  faults tried: {} (healthy again: counted from the kill, or from the server's return)",
        faults.len()
    )];
    for fault in faults {
        let load = if fault.under_load {
            "under load"
        } else {
            "after the load"
        };
        lines.push(format!(
            "    {}: healthy again after {:.1} s ({load})",
            fault.what,
            fault.took.as_secs_f64()
        ));
    }
    lines.push(format!(
        "  requests sent: {} ({} ok, {} failed, {} iterations dropped) over {:.0} s at {RATE} orders/s",
        load.requests, load.ok, load.failed, load.dropped, load.duration_s
    ));
    if let Some(orders) = &load.orders {
        lines.push(format!(
            "  orders: {} accepted, {} confirmed, {} cancelled, {} lost",
            orders.accepted, orders.confirmed, orders.cancelled, orders.lost
        ));
    }
    lines.push(format!("  orders in the database by status: {by_status:?}"));
    let lags: Vec<String> = lags.iter().map(|(g, lag)| format!("{g} {lag}")).collect();
    lines.push(format!("  consumer lag: {}", lags.join(", ")));
    lines.push(format!(
        "  stock reconciliation: {} products, {} orders, {} units reserved, 0 inconsistencies",
        reconciliation.products, reconciliation.orders, reconciliation.reserved_units
    ));
    lines
}
