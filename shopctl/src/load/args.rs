//! The command line of `shopctl load`.

use std::path::PathBuf;
use std::time::Duration;

use super::fixture::Setup;
use super::scenario::Scenario;
use super::{LoadPlan, Mode};
use crate::platform::{LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD};

/// Closed-loop connections when neither `--concurrency` nor `--rate` is given.
const DEFAULT_CONCURRENCY: usize = 16;
/// Open-loop connections when `--rate` comes without `--concurrency`.
const DEFAULT_OPEN_CONNECTIONS: usize = 64;

/// How the report is printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The API base URL [default: the local gateway, http://127.0.0.1:$GATEWAY_PORT/api/v1]
    #[arg(long)]
    pub url: Option<String>,
    #[arg(long, value_enum, default_value_t = Scenario::Browse)]
    pub scenario: Scenario,
    /// Closed loop: this many connections, each sending its next request when the last
    /// answer is in [default: 16]. With --rate: the connections the requests share; one
    /// due while all are busy waits for a free one, and the wait counts in its latency
    /// [default: 64]
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Open loop: this many iterations per second (requests; orders for `buy`) whatever
    /// the answers; latency counts from each request's scheduled time
    #[arg(long)]
    pub rate: Option<f64>,
    /// Open loop: iterations in flight at most; those due beyond it are dropped and counted
    #[arg(long, default_value_t = 1024)]
    pub max_in_flight: usize,
    /// How long to generate load, e.g. 30s, 2m
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub duration: Duration,
    /// Virtual users of buy, mixed and login (registered once, then reused)
    #[arg(long, default_value_t = 50)]
    pub users: usize,
    /// The admin that creates the load catalog
    #[arg(long, env = "SHOP_ADMIN_EMAIL", default_value = LOCAL_ADMIN_EMAIL)]
    pub admin_email: String,
    /// The admin's password
    #[arg(
        long,
        env = "SHOP_ADMIN_PASSWORD",
        default_value = LOCAL_ADMIN_PASSWORD,
        hide_env_values = true
    )]
    pub admin_password: String,
    /// How often an accepted order is polled until it is confirmed (at first). The
    /// accepted → confirmed latency comes from the order's own times, so this sets only
    /// the load that following orders adds and the resolution of "seen confirmed"
    #[arg(long, default_value = "100ms", value_parser = humantime::parse_duration)]
    pub poll_interval: Duration,
    /// Polls of all pending orders together per second, at most (bounds the load that
    /// following orders adds)
    #[arg(long, default_value_t = 1000.0)]
    pub poll_budget: f64,
    /// How long after the run pending orders may still confirm before they count as lost
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub settle: Duration,
    /// Per-request timeout
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Also write the report as JSON to this file
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// The report on stdout: a table, or JSON for scripts
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// No live progress line
    #[arg(long)]
    pub quiet: bool,
}

impl LoadArgs {
    pub fn mode(&self) -> Mode {
        match (self.rate, self.concurrency) {
            (Some(per_second), connections) => Mode::Rate {
                per_second,
                connections: connections.unwrap_or(DEFAULT_OPEN_CONNECTIONS),
                max_in_flight: self.max_in_flight,
            },
            (None, workers) => Mode::Concurrency {
                workers: workers.unwrap_or(DEFAULT_CONCURRENCY),
            },
        }
    }

    pub fn plan(&self) -> LoadPlan {
        LoadPlan {
            scenario: self.scenario,
            mode: self.mode(),
            duration: self.duration,
            poll_interval: self.poll_interval,
            poll_budget: self.poll_budget,
            settle: self.settle,
        }
    }

    pub fn setup(&self) -> Setup {
        Setup {
            admin_email: self.admin_email.clone(),
            admin_password: self.admin_password.clone(),
            users: if self.scenario.needs_users() {
                self.users
            } else {
                0
            },
        }
    }

    /// Connections to keep open.
    pub fn connections(&self) -> usize {
        match self.mode() {
            Mode::Concurrency { workers } => workers,
            Mode::Rate { connections, .. } => connections,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        load: LoadArgs,
    }

    fn parse(args: &[&str]) -> Result<LoadArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("load").chain(args.iter().copied())).map(|cli| cli.load)
    }

    #[test]
    fn a_rate_makes_an_open_loop() {
        let args =
            parse(&["--rate", "200", "--scenario", "buy", "--duration", "1m"]).expect("valid");
        assert_eq!(
            args.mode(),
            Mode::Rate {
                per_second: 200.0,
                connections: 64,
                max_in_flight: 1024
            }
        );
        assert_eq!(args.plan().duration, Duration::from_secs(60));
        assert_eq!(args.setup().users, 50);
    }

    #[test]
    fn without_a_rate_it_is_a_closed_loop() {
        let args = parse(&[]).expect("valid");
        assert_eq!(args.mode(), Mode::Concurrency { workers: 16 });
        assert_eq!(args.setup().users, 0, "browse needs no users");
        let args = parse(&["--concurrency", "64"]).expect("valid");
        assert_eq!(args.connections(), 64);
    }

    #[test]
    fn with_a_rate_concurrency_counts_the_connections() {
        let args = parse(&["--rate", "10", "--concurrency", "4"]).expect("valid");
        assert_eq!(args.connections(), 4);
        assert!(matches!(args.mode(), Mode::Rate { connections: 4, .. }));
    }
}
