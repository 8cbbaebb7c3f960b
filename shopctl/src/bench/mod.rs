//! `shopctl bench`: starts the platform from release binaries, measures it with the
//! load generator, and writes `BENCHMARKS.md`. A benchmark run by hand, never part of
//! the test suite.
//!
//! - [`platform`]: build, infrastructure, start with cold-start timing.
//! - [`broker`]: the Kafka-protocol broker of the run (in memory).
//! - [`databases`]: the run's own PostgreSQL databases.
//! - [`ceiling`]: the bare axum server we compare the gateway with.
//! - [`runs`]: the load scenarios, in order.
//! - [`rss`]: memory of the service processes.
//! - [`cpu`]: CPU time per request of every process.
//! - [`machine`]: the machine, its load, the commit, the image sizes.
//! - [`targets`]: the targets and whether they were met.
//! - [`report`]: the Markdown report.
//! - [`args`]: its command line.

pub mod args;
pub mod broker;
pub mod ceiling;
pub mod cpu;
pub mod databases;
pub mod machine;
pub mod platform;
pub mod report;
pub mod rss;
mod runs;
pub mod targets;
#[cfg(test)]
mod testing;

use std::path::PathBuf;
use std::time::Duration;

use shop_common::service::ServiceKind;

use self::ceiling::CeilingError;
use self::databases::RunDatabases;
use self::machine::{Commit, Images, Machine};
use self::platform::ColdStart;
use self::rss::Memory;
pub use self::runs::{CpuRow, Runs};
use crate::build::BuildError;
use crate::infra::InfraError;
use crate::load::LoadError;
use crate::platform::PlatformError;
use crate::ports::PortPlan;

#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Infra(#[from] InfraError),
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Ceiling(#[from] CeilingError),
    #[error("cannot measure the product answer's size: {0}")]
    ProductBody(crate::load::stats::Failure),
    #[error("the benchmark's broker: {0}")]
    Broker(String),
    #[error("the run's databases: {0}")]
    Databases(String),
    #[error("{0} was interrupted")]
    Interrupted(&'static str),
}

/// What to run, and for how long.
#[derive(Debug, Clone)]
pub struct BenchOptions {
    pub root: PathBuf,
    /// The short smoke run (`--quick`).
    pub quick: bool,
    /// The platform's block of ports (see [`PortPlan::block`]).
    pub port_base: u16,
    /// Each throughput scenario.
    pub duration: Duration,
    /// Unmeasured traffic before the first scenario (fills caches and pools).
    pub warmup: Duration,
    pub buy_duration: Duration,
    /// Orders per second of the `buy` scenario.
    pub buy_rate: f64,
    /// Connections of the throughput scenarios.
    pub connections: usize,
    /// Concurrent logins of the login scenario.
    pub login_concurrency: usize,
    /// Virtual users of `buy` and `login`.
    pub users: usize,
    /// How often an accepted order is polled (at first).
    pub poll_interval: Duration,
    /// Polls of all pending orders per second, at most.
    pub poll_budget: f64,
    /// The scenarios to measure (`--only`); the others run for an instant, so their
    /// figures in the report mean nothing. Empty: all of them.
    pub only: Vec<Stage>,
}

/// The scenarios `--only` chooses among.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    /// 1, 1b and 2: the cached product read, at half rate, and the bare axum ceiling.
    Product,
    /// 3: the listing and the search.
    List,
    /// 4: logins.
    Login,
    /// 5: orders.
    Buy,
}

/// How long a scenario left out by `--only` runs: long enough to go through its code.
const SKIPPED_DURATION: Duration = Duration::from_millis(200);

impl BenchOptions {
    /// How long `stage` runs, `full` when it is measured.
    pub fn duration_of(&self, stage: Stage, full: Duration) -> Duration {
        if self.only.is_empty() || self.only.contains(&stage) {
            full
        } else {
            SKIPPED_DURATION
        }
    }
}

impl BenchOptions {
    /// The full run: a few minutes.
    pub fn full(root: PathBuf) -> Self {
        Self {
            root,
            quick: false,
            port_base: 24000,
            duration: Duration::from_secs(15),
            warmup: Duration::from_secs(3),
            buy_duration: Duration::from_secs(60),
            buy_rate: 200.0,
            connections: 64,
            login_concurrency: 16,
            users: 100,
            poll_interval: Duration::from_millis(100),
            poll_budget: 1000.0,
            only: Vec::new(),
        }
    }

    /// A smoke run: every scenario, briefly.
    pub fn quick(root: PathBuf) -> Self {
        Self {
            quick: true,
            duration: Duration::from_secs(3),
            warmup: Duration::from_secs(1),
            buy_duration: Duration::from_secs(10),
            users: 40,
            ..Self::full(root)
        }
    }
}

/// Every figure of a run.
#[derive(Debug, Clone)]
pub struct BenchResults {
    pub options: BenchOptions,
    pub machine: Machine,
    pub commit: Commit,
    /// UTC, `2026-11-24 13:05`.
    pub date: String,
    pub load_before: Option<[f64; 3]>,
    pub load_after: Option<[f64; 3]>,
    pub cold_start: ColdStart,
    pub runs: Runs,
    /// Each service's memory when idle (after start, before any request) and at the end.
    pub memory: Vec<ServiceMemory>,
    pub images: Images,
}

/// One service's memory, in KiB.
#[derive(Debug, Clone, Copy)]
pub struct ServiceMemory {
    pub service: ServiceKind,
    pub idle_kib: u64,
    /// The most it ever had resident (`VmHWM`).
    pub peak_kib: u64,
    /// Resident at the end of the run.
    pub after_kib: u64,
}

/// The broker's port: above the platform's block (services from `port_base`, their
/// metrics from `port_base + 100`).
const BROKER_PORT_OFFSET: u16 = 200;

/// Runs the whole benchmark; the platform is stopped again whatever happens.
pub async fn run(options: BenchOptions) -> Result<BenchResults, BenchError> {
    let machine = Machine::detect();
    let commit = Commit::of(&options.root);
    let load_before = machine::load_average();
    eprintln!("==> building the release binaries");
    let bin_dir = platform::build(&options.root).await?;
    eprintln!("==> starting the infrastructure");
    let run = platform::run_name(std::time::SystemTime::now());
    let mut env = platform::infra_env(&options.root, &run)?;
    let databases = RunDatabases::create(&mut env, &run).await?;
    let tansu = crate::infra::InfraScript::new(&options.root).binary("kafka")?;
    let broker = broker::BenchBroker::start(&tansu, options.port_base + BROKER_PORT_OFFSET).await?;
    env.retain(|(name, _)| name != "KAFKA_BROKERS");
    env.push(("KAFKA_BROKERS".to_owned(), broker.brokers()));
    eprintln!("==> starting the platform (cold start)");
    let ports = PortPlan::block(options.port_base);
    // The consumers wait long in the read scenarios; `runs` gives the confirmation path
    // its short fetch wait before `buy`.
    let reads = broker::service_env(broker::READS_FETCH_WAIT_MS);
    let (mut running, cold_start) =
        platform::start(bin_dir, env, reads, ports, Duration::from_secs(60)).await?;
    let idle = platform::memory(&mut running);
    let gateway = format!(
        "http://127.0.0.1:{}/api/v1",
        ports.port(ServiceKind::Gateway)
    );
    let measured = runs::measure(&options, &gateway, &mut running).await;
    let after = platform::memory(&mut running);
    eprintln!("==> stopping the platform");
    running.stop(Duration::from_secs(15)).await;
    drop(broker);
    databases.drop_all().await;
    let runs = measured?;
    Ok(BenchResults {
        machine,
        commit,
        date: now_utc(),
        load_before,
        load_after: machine::load_average(),
        cold_start,
        runs,
        memory: combine_memory(&idle, &after),
        images: Images::inspect(env!("CARGO_PKG_VERSION")),
        options,
    })
}

fn combine_memory(
    idle: &[(ServiceKind, Memory)],
    after: &[(ServiceKind, Memory)],
) -> Vec<ServiceMemory> {
    idle.iter()
        .map(|(service, idle)| {
            let end = after
                .iter()
                .find(|(s, _)| s == service)
                .map(|(_, m)| *m)
                .unwrap_or(*idle);
            ServiceMemory {
                service: *service,
                idle_kib: idle.rss_kib,
                peak_kib: end.peak_kib.max(idle.peak_kib),
                after_kib: end.rss_kib,
            }
        })
        .collect()
}

fn now_utc() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_else(|_| "unknown".to_owned())
}
