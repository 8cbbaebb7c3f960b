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

/// One fault tried, and how long the platform took to be healthy once the fault was
/// over (the service killed, or the server back).
pub struct Fault {
    pub what: String,
    pub took: Duration,
    /// Whether the load was still running when the platform had recovered.
    pub under_load: bool,
}

/// SIGKILLs `service`, starts it again (the supervisor's job), and waits until every
/// service is healthy. Returns how long that took from the kill.
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
/// Returns how long the platform took to be healthy once the broker was back.
pub async fn broker_outage(platform: &mut Platform, infra: &mut PrivateInfra) -> Duration {
    infra.broker.stop().await;
    tokio::time::sleep(BROKER_OUTAGE).await;
    infra.broker.resume().await;
    recovered(platform, "the broker outage").await
}

/// Stops Redis for [`REDIS_OUTAGE`], reading products meanwhile: every read must be
/// answered from PostgreSQL. Returns how long the platform took to be healthy once
/// Redis was back, and how many reads were made.
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
    (recovered(platform, "the Redis outage").await, reads)
}

/// Crashes orders' PostgreSQL (no checkpoint, every connection cut), keeps it down
/// for [`POSTGRES_OUTAGE`], and starts it again on its data. Returns how long the
/// platform took to be healthy once it was back.
pub async fn orders_postgres_crash(platform: &mut Platform, infra: &mut PrivateInfra) -> Duration {
    infra.orders_postgres.stop().await;
    tokio::time::sleep(POSTGRES_OUTAGE).await;
    infra.orders_postgres.resume().await;
    recovered(platform, "the crash of orders' PostgreSQL").await
}

/// Every service healthy again, none having exited: they reconnect by themselves.
/// Returns how long that took.
async fn recovered(platform: &mut Platform, after: &str) -> Duration {
    let started = Instant::now();
    if let Err(error) = platform.wait_healthy(RECOVERY).await {
        panic!("the platform did not recover by itself after {after}: {error}");
    }
    started.elapsed()
}
