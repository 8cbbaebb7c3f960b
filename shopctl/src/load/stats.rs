//! What a load run measured: a latency histogram and error counts per endpoint, the
//! order confirmations of `buy`, and the live counters the progress line shows.
//!
//! Latencies are recorded in microseconds in HDR histograms (3 significant digits),
//! so percentiles stay exact to 0.1 % from a microsecond up to ten minutes.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::client::Endpoint;

/// The longest latency a histogram keeps apart; longer ones count as this.
const MAX_LATENCY_US: u64 = 600_000_000;

/// Why a request did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Failure {
    /// The server answered with this non-2xx status.
    Status(u16),
    /// No answer within the client's timeout.
    Timeout,
    /// The connection could not be made.
    Connect,
    /// The connection broke, or the answer was not what the API promises.
    Transport,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Status(status) => write!(f, "{status}"),
            Failure::Timeout => f.write_str("timeout"),
            Failure::Connect => f.write_str("connect"),
            Failure::Transport => f.write_str("transport"),
        }
    }
}

/// Percentiles of a latency distribution, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    pub count: u64,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl LatencySummary {
    /// Summarises a histogram of microseconds (all zeros when it is empty).
    pub fn of(histogram: &Histogram<u64>) -> Self {
        if histogram.is_empty() {
            return Self::default();
        }
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: histogram.len(),
            mean_ms: histogram.mean() / 1000.0,
            p50_ms: ms(histogram.value_at_quantile(0.50)),
            p90_ms: ms(histogram.value_at_quantile(0.90)),
            p99_ms: ms(histogram.value_at_quantile(0.99)),
            max_ms: ms(histogram.max()),
        }
    }
}

/// One endpoint's results.
#[derive(Debug, Clone)]
pub struct EndpointTally {
    /// Latencies of the successful requests.
    pub latency: Histogram<u64>,
    pub failures: BTreeMap<Failure, u64>,
}

impl EndpointTally {
    pub fn ok(&self) -> u64 {
        self.latency.len()
    }

    pub fn failed(&self) -> u64 {
        self.failures.values().sum()
    }
}

/// What happened to the orders `buy` placed.
#[derive(Debug, Clone)]
pub struct OrderTally {
    /// Checkouts answered 201.
    pub accepted: u64,
    /// Seen confirmed (or already shipped).
    pub confirmed: u64,
    pub cancelled: u64,
    /// From the order's `createdAt` to its `confirmedAt`, as the orders service
    /// recorded them (orders without both are not in it).
    pub confirm_latency: Histogram<u64>,
    /// From the checkout's 201 to the first poll that saw the order confirmed: what a
    /// client polling this often sees (its resolution is the poll interval).
    pub seen_confirmed_latency: Histogram<u64>,
}

impl OrderTally {
    /// Accepted orders that never reached a final state before the deadline.
    pub fn lost(&self) -> u64 {
        self.accepted
            .saturating_sub(self.confirmed)
            .saturating_sub(self.cancelled)
    }
}

/// Everything recorded, as a copy for reporting.
#[derive(Debug, Clone)]
pub struct Tally {
    pub endpoints: BTreeMap<Endpoint, EndpointTally>,
    pub orders: OrderTally,
    /// Open-loop requests not sent because too many were in flight.
    pub dropped: u64,
}

/// Counters the progress line reads once a second without taking the lock.
#[derive(Debug, Default)]
pub struct Live {
    pub completed: AtomicU64,
    pub failed: AtomicU64,
    pub in_flight: AtomicU64,
    pub dropped: AtomicU64,
    pub accepted: AtomicU64,
    pub confirmed: AtomicU64,
}

impl Live {
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Shared by every request of a run.
pub struct Recorder {
    tally: Mutex<Tally>,
    /// An empty histogram with the bounds every histogram uses.
    empty: Histogram<u64>,
    pub live: Live,
}

impl Recorder {
    pub fn new() -> Result<Self, hdrhistogram::CreationError> {
        let empty = Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)?;
        let tally = Tally {
            endpoints: BTreeMap::new(),
            orders: OrderTally {
                accepted: 0,
                confirmed: 0,
                cancelled: 0,
                confirm_latency: empty.clone(),
                seen_confirmed_latency: empty.clone(),
            },
            dropped: 0,
        };
        Ok(Self {
            tally: Mutex::new(tally),
            empty,
            live: Live::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Tally> {
        // A panic while holding the lock cannot leave a tally half-updated in a way
        // that matters for a report, so a poisoned lock is used as it is.
        self.tally.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn endpoint<'a>(&self, tally: &'a mut Tally, endpoint: Endpoint) -> &'a mut EndpointTally {
        tally
            .endpoints
            .entry(endpoint)
            .or_insert_with(|| EndpointTally {
                latency: self.empty.clone(),
                failures: BTreeMap::new(),
            })
    }

    pub fn success(&self, endpoint: Endpoint, latency: Duration) {
        let mut tally = self.lock();
        self.endpoint(&mut tally, endpoint)
            .latency
            .saturating_record(micros(latency));
        drop(tally);
        self.live.completed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn failure(&self, endpoint: Endpoint, failure: Failure) {
        let mut tally = self.lock();
        *self
            .endpoint(&mut tally, endpoint)
            .failures
            .entry(failure)
            .or_default() += 1;
        drop(tally);
        self.live.completed.fetch_add(1, Ordering::Relaxed);
        self.live.failed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn dropped(&self) {
        self.lock().dropped += 1;
        self.live.dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub fn order_accepted(&self) {
        self.lock().orders.accepted += 1;
        self.live.accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// An order seen confirmed `seen` after its 201; `recorded`: the time from its
    /// creation to its confirmation in the order itself, if it carries both.
    pub fn order_confirmed(&self, seen: Duration, recorded: Option<Duration>) {
        let mut tally = self.lock();
        let orders = &mut tally.orders;
        orders.confirmed += 1;
        orders
            .seen_confirmed_latency
            .saturating_record(micros(seen));
        if let Some(recorded) = recorded {
            orders.confirm_latency.saturating_record(micros(recorded));
        }
        drop(tally);
        self.live.confirmed.fetch_add(1, Ordering::Relaxed);
    }

    pub fn order_cancelled(&self) {
        self.lock().orders.cancelled += 1;
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Tally {
        self.lock().clone()
    }

    /// Counts one request in flight until the guard is dropped.
    pub fn in_flight(&self) -> InFlight<'_> {
        self.live.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(&self.live.in_flight)
    }
}

/// A request in flight (see [`Recorder::in_flight`]).
pub struct InFlight<'a>(&'a AtomicU64);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Whole microseconds, at least 1 (the histogram's lowest value).
fn micros(latency: Duration) -> u64 {
    u64::try_from(latency.as_micros())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_LATENCY_US)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorder() -> Recorder {
        Recorder::new().expect("valid histogram bounds")
    }

    #[test]
    fn percentiles_of_a_uniform_distribution() {
        let recorder = recorder();
        for ms in 1..=1000 {
            recorder.success(Endpoint::GetProduct, Duration::from_millis(ms));
        }
        let tally = recorder.snapshot();
        let summary = LatencySummary::of(&tally.endpoints[&Endpoint::GetProduct].latency);
        assert_eq!(summary.count, 1000);
        // 3 significant digits: within 0.1 % of the exact value.
        let close = |value: f64, expected: f64| (value - expected).abs() <= expected * 0.001;
        assert!(close(summary.p50_ms, 500.0), "{summary:?}");
        assert!(close(summary.p90_ms, 900.0), "{summary:?}");
        assert!(close(summary.p99_ms, 990.0), "{summary:?}");
        assert!(close(summary.max_ms, 1000.0), "{summary:?}");
        assert!(close(summary.mean_ms, 500.5), "{summary:?}");
    }

    #[test]
    fn an_empty_histogram_summarises_to_zeros() {
        let recorder = recorder();
        assert_eq!(
            LatencySummary::of(&recorder.snapshot().orders.confirm_latency),
            LatencySummary::default()
        );
    }

    #[test]
    fn sub_microsecond_and_huge_latencies_are_clamped_not_lost() {
        let recorder = recorder();
        recorder.success(Endpoint::Login, Duration::from_nanos(10));
        recorder.success(Endpoint::Login, Duration::from_secs(3600));
        let latency = &recorder.snapshot().endpoints[&Endpoint::Login].latency;
        assert_eq!(latency.len(), 2);
        assert_eq!(latency.min(), 1);
        assert!(latency.max() >= MAX_LATENCY_US);
    }

    #[test]
    fn failures_are_counted_by_kind_apart_from_latencies() {
        let recorder = recorder();
        recorder.success(Endpoint::Checkout, Duration::from_millis(3));
        recorder.failure(Endpoint::Checkout, Failure::Status(503));
        recorder.failure(Endpoint::Checkout, Failure::Status(503));
        recorder.failure(Endpoint::Checkout, Failure::Timeout);
        let tally = recorder.snapshot();
        let checkout = &tally.endpoints[&Endpoint::Checkout];
        assert_eq!((checkout.ok(), checkout.failed()), (1, 3));
        assert_eq!(checkout.failures[&Failure::Status(503)], 2);
        assert_eq!(Live::get(&recorder.live.completed), 4);
        assert_eq!(Live::get(&recorder.live.failed), 3);
    }

    #[test]
    fn orders_neither_confirmed_nor_cancelled_are_lost() {
        let recorder = recorder();
        for _ in 0..5 {
            recorder.order_accepted();
        }
        recorder.order_confirmed(Duration::from_millis(20), Some(Duration::from_millis(15)));
        recorder.order_confirmed(Duration::from_millis(40), None);
        recorder.order_cancelled();
        let orders = recorder.snapshot().orders;
        assert_eq!(orders.lost(), 2);
        // Both were seen confirmed; only one carried the times it was recorded at.
        assert_eq!(orders.seen_confirmed_latency.len(), 2);
        assert_eq!(orders.confirm_latency.len(), 1);
        let recorded = &orders.confirm_latency;
        assert!(recorded.equivalent(recorded.max(), 15_000), "{recorded:?}");
    }

    #[test]
    fn the_in_flight_guard_counts_until_dropped() {
        let recorder = recorder();
        let first = recorder.in_flight();
        let second = recorder.in_flight();
        assert_eq!(Live::get(&recorder.live.in_flight), 2);
        drop(first);
        drop(second);
        assert_eq!(Live::get(&recorder.live.in_flight), 0);
    }

    #[test]
    fn failures_read_as_their_status_or_kind() {
        assert_eq!(Failure::Status(429).to_string(), "429");
        assert_eq!(Failure::Timeout.to_string(), "timeout");
    }
}
