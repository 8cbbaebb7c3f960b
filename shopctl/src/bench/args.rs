//! The command line of `shopctl bench`.

use std::path::PathBuf;
use std::time::Duration;

use super::{BenchOptions, Stage};

#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// A short smoke run of every scenario (3 s each, buy for 10 s)
    #[arg(long)]
    pub quick: bool,
    /// Where to write the report [default: BENCHMARKS.md at the repository root]
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Length of each throughput scenario [default: 15s; --quick 3s]
    #[arg(long, value_parser = humantime::parse_duration)]
    pub duration: Option<Duration>,
    /// Length of the buy scenario [default: 60s; --quick 10s]
    #[arg(long, value_parser = humantime::parse_duration)]
    pub buy_duration: Option<Duration>,
    /// Orders per second of the buy scenario [default: 200]
    #[arg(long)]
    pub buy_rate: Option<f64>,
    /// Connections of the throughput scenarios [default: 64]
    #[arg(long)]
    pub connections: Option<usize>,
    /// First port of the block the platform runs on (gateway there, gRPC just above,
    /// metrics 100 above) [default: 24000]
    #[arg(long)]
    pub port_base: Option<u16>,
    /// Measure only these scenarios (comma-separated); the others run for an instant
    /// and their figures mean nothing. Memory and start times are always measured.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub only: Vec<Stage>,
}

impl BenchArgs {
    /// The options for the checkout at `root`.
    pub fn options(&self, root: PathBuf) -> BenchOptions {
        let base = if self.quick {
            BenchOptions::quick(root)
        } else {
            BenchOptions::full(root)
        };
        BenchOptions {
            duration: self.duration.unwrap_or(base.duration),
            buy_duration: self.buy_duration.unwrap_or(base.buy_duration),
            buy_rate: self.buy_rate.unwrap_or(base.buy_rate),
            connections: self.connections.unwrap_or(base.connections),
            port_base: self.port_base.unwrap_or(base.port_base),
            only: self.only.clone(),
            ..base
        }
    }

    /// Where the report goes.
    pub fn output_path(&self, root: &std::path::Path) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| root.join("BENCHMARKS.md"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(quick: bool) -> BenchArgs {
        BenchArgs {
            quick,
            output: None,
            duration: None,
            buy_duration: None,
            buy_rate: None,
            connections: None,
            port_base: None,
            only: Vec::new(),
        }
    }

    #[test]
    fn quick_shortens_every_scenario() {
        let full = args(false).options(PathBuf::from("/repo"));
        let quick = args(true).options(PathBuf::from("/repo"));
        assert!(quick.duration < full.duration);
        assert!(quick.buy_duration < full.buy_duration);
        assert_eq!(full.buy_duration, Duration::from_secs(60));
        assert_eq!(full.buy_rate, 200.0);
        assert_eq!(full.connections, 64);
    }

    #[test]
    fn explicit_values_win_over_the_preset() {
        let mut explicit = args(true);
        explicit.buy_rate = Some(50.0);
        explicit.duration = Some(Duration::from_secs(7));
        let options = explicit.options(PathBuf::from("/repo"));
        assert_eq!(
            (options.buy_rate, options.duration),
            (50.0, Duration::from_secs(7))
        );
        assert!(options.quick);
    }

    #[test]
    fn only_shortens_the_other_scenarios() {
        let mut some = args(false);
        some.only = vec![Stage::List];
        let options = some.options(PathBuf::from("/repo"));
        let full = Duration::from_secs(15);
        assert_eq!(options.duration_of(Stage::List, full), full);
        assert!(options.duration_of(Stage::Login, full) < full);
        let all = args(false).options(PathBuf::from("/repo"));
        assert_eq!(all.duration_of(Stage::Buy, full), full);
    }

    #[test]
    fn the_report_goes_to_the_repository_root_by_default() {
        let root = PathBuf::from("/repo");
        assert_eq!(args(false).output_path(&root), root.join("BENCHMARKS.md"));
    }
}
