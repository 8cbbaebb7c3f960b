//! The platform under test: release binaries, the local infrastructure, the nine
//! services started on their own block of ports, and how long each took to become
//! healthy.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use shop_common::service::ServiceKind;
use tokio::time::{Instant, sleep};

use super::BenchError;
use super::rss::Memory;
use crate::build::{Profile, build_services};
use crate::health;
use crate::infra::InfraScript;
use crate::platform::{LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD, Platform, PlatformSpec};
use crate::ports::PortPlan;

/// How often each service is probed while starting.
const PROBE_EVERY: Duration = Duration::from_millis(5);

/// How long the platform took to start.
#[derive(Debug, Clone)]
pub struct ColdStart {
    /// From starting the processes until every one was healthy.
    pub total: Duration,
    /// From starting the processes until each one's first healthy probe.
    pub services: Vec<(ServiceKind, Duration)>,
}

/// Builds the release binaries (cargo's progress on the terminal); returns their folder.
pub async fn build(root: &Path) -> Result<PathBuf, BenchError> {
    let root = root.to_owned();
    let built = tokio::task::spawn_blocking(move || build_services(&root, Profile::Release))
        .await
        .map_err(|_| BenchError::Interrupted("the build"))?;
    Ok(built?)
}

/// Starts the infrastructure (idempotent) and returns the services' environment: its
/// connection variables, the local admin, and Kafka topics and cache keys of run
/// `run`'s own (see [`run_name`]): a `shopctl up` beside it sees none of its events, and events an
/// earlier run left unprocessed do not queue ahead of this run's. Passwords are
/// hashed at the services' production cost (no `ARGON2_*` overrides).
pub fn infra_env(root: &Path, run: &str) -> Result<Vec<(String, String)>, BenchError> {
    let infra = InfraScript::new(root);
    // Not the local broker: the bench runs its own (see `broker`), and an idle local
    // one would only take CPU from the run.
    infra.start_only(&["postgres", "redis", "mongo"])?;
    let mut env = infra.env()?;
    env.extend([
        ("SHOP_ADMIN_EMAIL".to_owned(), LOCAL_ADMIN_EMAIL.to_owned()),
        (
            "SHOP_ADMIN_PASSWORD".to_owned(),
            LOCAL_ADMIN_PASSWORD.to_owned(),
        ),
        ("KAFKA_TOPIC_PREFIX".to_owned(), format!("{run}.")),
        // Products' cache keys too: listing pages of an earlier run's catalog could
        // otherwise be found under the current listing generation.
        ("REDIS_KEY_PREFIX".to_owned(), format!("{run}:products:")),
    ]);
    Ok(env)
}

/// The name of a run started at `now`, `bench<seconds since the epoch>`: its topics'
/// prefix and its databases' (see `databases`).
pub fn run_name(now: SystemTime) -> String {
    let seconds = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    format!("bench{seconds}")
}

/// Starts every service and waits until all are healthy, timing each.
pub async fn start(
    bin_dir: PathBuf,
    env: Vec<(String, String)>,
    service_env: Vec<(ServiceKind, String, String)>,
    ports: PortPlan,
    timeout: Duration,
) -> Result<(Platform, ColdStart), BenchError> {
    let spec = PlatformSpec {
        bin_dir,
        ports,
        env,
        service_env,
        echo_logs: false,
    };
    let started = Instant::now();
    let mut platform = Platform::spawn(&spec)?;
    let probes = ServiceKind::ALL
        .map(|service| first_healthy(service, ports.port(service), started, timeout));
    let healthy = futures::future::join_all(probes).await;
    if healthy.iter().any(Option::is_none) {
        // Says which service exited (with its last lines), or which never became healthy.
        let error = platform.wait_healthy(Duration::ZERO).await;
        platform.stop(Duration::from_secs(10)).await;
        return Err(match error {
            Err(error) => error.into(),
            Ok(()) => BenchError::Interrupted("the health wait"),
        });
    }
    let services: Vec<(ServiceKind, Duration)> = ServiceKind::ALL
        .into_iter()
        .zip(healthy.into_iter().flatten())
        .collect();
    let total = services
        .iter()
        .map(|(_, after)| *after)
        .max()
        .unwrap_or_default();
    Ok((platform, ColdStart { total, services }))
}

/// The time from `started` to `service`'s first healthy probe; `None` after `timeout`.
async fn first_healthy(
    service: ServiceKind,
    port: u16,
    started: Instant,
    timeout: Duration,
) -> Option<Duration> {
    loop {
        if health::probe(service, port).await.is_healthy() {
            return Some(started.elapsed());
        }
        if started.elapsed() >= timeout {
            return None;
        }
        sleep(PROBE_EVERY).await;
    }
}

/// The memory of every service process now (services whose memory cannot be read are
/// left out).
pub fn memory(platform: &mut Platform) -> Vec<(ServiceKind, Memory)> {
    ServiceKind::ALL
        .into_iter()
        .filter_map(|service| {
            let pid = platform.process_mut(service)?.pid()?;
            Some((service, Memory::of_process(pid).ok()?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_run_has_a_name_of_its_own() {
        let at = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
        assert_eq!(run_name(at), "bench1795000000");
        assert_ne!(run_name(at), run_name(at + Duration::from_secs(1)));
    }
}
