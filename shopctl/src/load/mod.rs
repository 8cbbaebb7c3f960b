//! `shopctl load`: a load generator for a running platform, local or behind an
//! ingress, through the public HTTP API only.
//!
//! - [`client`]: the keep-alive HTTP client and the routes it calls.
//! - [`fixture`]: the load catalog and the virtual users, prepared before the clock starts.
//! - [`scenario`]: what one iteration of each scenario does.
//! - [`schedule`]: open loop (fixed rate) and closed loop (fixed concurrency).
//! - [`stats`]: latency histograms and failure counts per endpoint.
//! - [`report`]: the result, as JSON or as a table.
//! - [`progress`]: the live line on stderr.
//! - [`args`]: the command line.

pub mod args;
pub mod client;
mod confirm;
pub mod fixture;
pub mod progress;
pub mod report;
pub mod scenario;
pub mod schedule;
pub mod stats;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use self::client::ShopClient;
use self::confirm::OrderWatch;
use self::fixture::{Fixture, FixtureError, Setup};
use self::progress::Progress;
use self::report::LoadReport;
use self::scenario::{Iterations, Scenario};
use self::schedule::{OpenSchedule, run_closed, run_open};
use self::stats::Recorder;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot build the HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    #[error(transparent)]
    Fixture(#[from] FixtureError),
    #[error("cannot set up latency histograms: {0}")]
    Histogram(#[from] hdrhistogram::CreationError),
    #[error("the {scenario} scenario needs {what}; prepare them first")]
    Unprepared {
        scenario: &'static str,
        what: &'static str,
    },
    #[error("invalid plan: {0}")]
    Plan(&'static str),
    #[error("`{0}` is not a valid URL")]
    Url(String),
}

/// How iterations are started.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Mode {
    /// Closed loop: `workers` iterations back to back, each on its own connection.
    Concurrency { workers: usize },
    /// Open loop: `per_second` iterations at fixed intervals, at most `max_in_flight`
    /// at a time (the others are dropped and counted), their requests sharing
    /// `connections` connections (a request waits for a free one; its latency counts
    /// from the iteration's scheduled instant all the same).
    Rate {
        per_second: f64,
        connections: usize,
        max_in_flight: usize,
    },
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mode::Concurrency { workers } => write!(f, "{workers} connections"),
            Mode::Rate {
                per_second,
                connections,
                ..
            } => write!(
                f,
                "{per_second} iterations/s over {connections} connections"
            ),
        }
    }
}

/// One run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    pub scenario: Scenario,
    pub mode: Mode,
    pub duration: Duration,
    /// How often an accepted order is polled until it is confirmed (at first).
    pub poll_interval: Duration,
    /// Polls of all orders together per second, at most.
    pub poll_budget: f64,
    /// How long after the run pending orders may still be confirmed before they
    /// count as lost.
    pub settle: Duration,
}

impl LoadPlan {
    fn validate(&self) -> Result<(), LoadError> {
        match self.mode {
            Mode::Concurrency { workers: 0 } => {
                Err(LoadError::Plan("--concurrency must be at least 1"))
            }
            Mode::Rate { per_second, .. } if !(per_second.is_finite() && per_second > 0.0) => {
                Err(LoadError::Plan("--rate must be a positive number"))
            }
            Mode::Rate {
                max_in_flight: 0, ..
            } => Err(LoadError::Plan("--max-in-flight must be at least 1")),
            Mode::Rate { connections: 0, .. } => {
                Err(LoadError::Plan("--concurrency must be at least 1"))
            }
            _ if !(self.poll_budget.is_finite() && self.poll_budget > 0.0) => {
                Err(LoadError::Plan("--poll-budget must be a positive number"))
            }
            _ if self.duration.is_zero() => Err(LoadError::Plan("--duration must be positive")),
            _ => Ok(()),
        }
    }
}

/// Runs load against one API base URL.
pub struct LoadRunner {
    client: ShopClient,
    progress: bool,
}

impl LoadRunner {
    /// A runner of `base` (e.g. `http://127.0.0.1:3000/api/v1`) keeping up to
    /// `connections` connections open; `progress` prints the live line.
    pub fn new(
        base: &str,
        connections: usize,
        timeout: Duration,
        progress: bool,
    ) -> Result<Self, LoadError> {
        let client = ShopClient::new(base, connections, timeout).map_err(LoadError::Client)?;
        if client.url("").is_none() {
            return Err(LoadError::Url(base.to_owned()));
        }
        Ok(Self { client, progress })
    }

    pub fn client(&self) -> &ShopClient {
        &self.client
    }

    /// Finds or creates the load catalog and the virtual users.
    pub async fn prepare(&self, setup: &Setup) -> Result<Fixture, LoadError> {
        Ok(fixture::prepare(&self.client, setup).await?)
    }

    /// Runs `plan` with the catalog and users of `fixture`.
    pub async fn run(
        &self,
        fixture: Arc<Fixture>,
        plan: &LoadPlan,
    ) -> Result<LoadReport, LoadError> {
        plan.validate()?;
        let scenario = plan.scenario;
        if fixture.products.is_empty() {
            return Err(LoadError::Unprepared {
                scenario: scenario.name(),
                what: "products",
            });
        }
        if scenario.needs_users() && fixture.users.is_empty() {
            return Err(LoadError::Unprepared {
                scenario: scenario.name(),
                what: "virtual users (--users)",
            });
        }
        let recorder = Arc::new(Recorder::new()?);
        let client = match plan.mode {
            Mode::Concurrency { .. } => self.client.clone(),
            Mode::Rate { connections, .. } => self.client.limited_to(connections),
        };
        let orders = Arc::new(OrderWatch::new(
            client.clone(),
            recorder.clone(),
            plan.poll_interval,
            plan.poll_budget,
        ));
        let iterations = Arc::new(Iterations::new(
            client,
            recorder.clone(),
            fixture,
            orders.clone(),
            scenario,
        ));
        let iteration = move |since: Instant| {
            let iterations = iterations.clone();
            async move { iterations.run(since).await }
        };
        let progress = Progress::start(scenario.name().to_owned(), recorder.clone(), self.progress);
        let started = Instant::now();
        match plan.mode {
            Mode::Concurrency { workers } => {
                run_closed(
                    workers,
                    started + plan.duration,
                    recorder.clone(),
                    iteration,
                )
                .await;
            }
            Mode::Rate {
                per_second,
                max_in_flight,
                ..
            } => {
                let schedule = OpenSchedule::new(started, per_second, plan.duration);
                run_open(schedule, max_in_flight, recorder.clone(), iteration).await;
            }
        }
        let elapsed = started.elapsed();
        orders.settle(plan.settle).await;
        progress.stop().await;
        Ok(LoadReport::new(
            scenario,
            plan.mode,
            self.client.base(),
            elapsed,
            &recorder.snapshot(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(mode: Mode) -> LoadPlan {
        LoadPlan {
            scenario: Scenario::Browse,
            mode,
            duration: Duration::from_secs(1),
            poll_interval: Duration::from_millis(10),
            poll_budget: 1000.0,
            settle: Duration::from_secs(1),
        }
    }

    #[test]
    fn impossible_plans_are_refused() {
        assert!(plan(Mode::Concurrency { workers: 0 }).validate().is_err());
        let no_rate = Mode::Rate {
            per_second: 0.0,
            connections: 4,
            max_in_flight: 10,
        };
        assert!(plan(no_rate).validate().is_err());
        let no_room = Mode::Rate {
            per_second: 10.0,
            connections: 4,
            max_in_flight: 0,
        };
        assert!(plan(no_room).validate().is_err());
        let no_connection = Mode::Rate {
            per_second: 10.0,
            connections: 0,
            max_in_flight: 10,
        };
        assert!(plan(no_connection).validate().is_err());
        let mut instant = plan(Mode::Concurrency { workers: 1 });
        instant.duration = Duration::ZERO;
        assert!(instant.validate().is_err());
        assert!(plan(Mode::Concurrency { workers: 8 }).validate().is_ok());
    }
}
