//! The faults, one after the other, each undone the way a supervisor (or an operator
//! bringing a server back) would undo it; the services must take it from there alone.

use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use shop_common::service::ServiceKind;
use shopctl::platform::Platform;

use crate::setup::PrivateInfra;
use crate::support::Api;

/// How long the broker stays down.
const BROKER_OUTAGE: Duration = Duration::from_secs(30);
/// How long Redis stays down (products are read meanwhile).
const REDIS_OUTAGE: Duration = Duration::from_secs(15);
/// How long orders' PostgreSQL stays down after its crash.
const POSTGRES_OUTAGE: Duration = Duration::from_secs(5);
/// How long a service, or the whole platform after an outage, may take to be
/// healthy again on a loaded machine.
const RECOVERY: Duration = Duration::from_secs(120);

/// One fault tried, and how long it took from the fault to a healthy platform.
pub struct Fault {
    pub what: String,
    pub took: Duration,
    /// Whether the load was still running when the platform had recovered.
    pub under_load: bool,
}

/// SIGKILLs `service`, starts it again (the supervisor's job), and waits until every
/// service is healthy.
pub async fn kill_and_restart(platform: &mut Platform, service: ServiceKind) -> Duration {
    let started = Instant::now();
    let process = platform
        .process_mut(service)
        .unwrap_or_else(|| panic!("{service} runs"));
    process.signal(Signal::SIGKILL).expect("SIGKILL sent");
    process.wait().await.expect("the killed service is reaped");
    platform
        .restart(service)
        .unwrap_or_else(|error| panic!("{service} does not start again: {error}"));
    recovered(platform, &format!("{service} was killed")).await;
    started.elapsed()
}

/// Stops the broker for [`BROKER_OUTAGE`], then starts it again on its storage.
pub async fn broker_outage(platform: &mut Platform, infra: &mut PrivateInfra) -> Duration {
    let started = Instant::now();
    infra.broker.stop().await;
    tokio::time::sleep(BROKER_OUTAGE).await;
    infra.broker.resume().await;
    recovered(platform, "the broker outage").await;
    started.elapsed()
}

/// Stops Redis for [`REDIS_OUTAGE`], reading products meanwhile: every read must be
/// answered from PostgreSQL. Returns how long it took and how many reads were made.
pub async fn redis_outage(
    platform: &mut Platform,
    infra: &mut PrivateInfra,
    api: &Api,
    products: &[String],
) -> (Duration, usize) {
    let started = Instant::now();
    infra.redis.stop().await;
    let mut reads = 0;
    for id in products.iter().cycle() {
        if started.elapsed() >= REDIS_OUTAGE {
            break;
        }
        let (status, body) = api.get(&format!("/products/{id}"), None).await;
        assert_eq!(
            status, 200,
            "GET /products/{id} while Redis is down: {body}"
        );
        assert_eq!(body["data"]["id"], id.as_str(), "{body}");
        reads += 1;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    infra.redis.resume().await;
    recovered(platform, "the Redis outage").await;
    (started.elapsed(), reads)
}

/// Crashes orders' PostgreSQL (no checkpoint, every connection cut), keeps it down
/// for [`POSTGRES_OUTAGE`], and starts it again on its data.
pub async fn orders_postgres_crash(platform: &mut Platform, infra: &mut PrivateInfra) -> Duration {
    let started = Instant::now();
    infra.orders_postgres.stop().await;
    tokio::time::sleep(POSTGRES_OUTAGE).await;
    infra.orders_postgres.resume().await;
    recovered(platform, "the crash of orders' PostgreSQL").await;
    started.elapsed()
}

/// Every service healthy again, none having exited: they reconnect by themselves.
async fn recovered(platform: &mut Platform, after: &str) {
    if let Err(error) = platform.wait_healthy(RECOVERY).await {
        panic!("the platform did not recover by itself after {after}: {error}");
    }
}
