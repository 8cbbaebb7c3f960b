//! The result of a load run: as JSON for scripts, as a table for people.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::Mode;
use super::scenario::Scenario;
use super::stats::{LatencySummary, Tally};

/// One endpoint's figures.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    /// The route template, e.g. `GET /products/:id`.
    pub endpoint: &'static str,
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    pub requests_per_s: f64,
    /// Of the successful requests.
    pub latency: LatencySummary,
    /// Failures by status (`503`) or kind (`timeout`, `connect`, `transport`).
    pub failures: BTreeMap<String, u64>,
}

/// What became of the orders placed.
#[derive(Debug, Clone, Serialize)]
pub struct OrdersReport {
    pub accepted: u64,
    pub confirmed: u64,
    pub cancelled: u64,
    /// Accepted, but neither confirmed nor cancelled by the end of the grace period.
    pub lost: u64,
    /// From the order's `createdAt` to its `confirmedAt`, as the orders service
    /// recorded them (`count` 0 if it records no `confirmedAt`).
    pub accepted_to_confirmed: LatencySummary,
    /// From the checkout's 201 to the first poll that saw the order confirmed; its
    /// resolution is the poll interval.
    pub seen_confirmed: LatencySummary,
}

impl OrdersReport {
    /// Both confirmation latencies, each with the name reports give it.
    pub fn latencies(&self) -> [(&'static str, &LatencySummary); 2] {
        [
            (
                "accepted → confirmed, as orders recorded it",
                &self.accepted_to_confirmed,
            ),
            ("201 → seen confirmed by a poll", &self.seen_confirmed),
        ]
    }
}

/// Everything a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub scenario: Scenario,
    pub mode: Mode,
    pub url: String,
    /// From the first iteration to the end of the last one (without the grace period
    /// for pending orders).
    pub duration_s: f64,
    pub requests: u64,
    pub ok: u64,
    pub failed: u64,
    /// Open-loop iterations not started because too many were in flight.
    pub dropped: u64,
    pub requests_per_s: f64,
    pub endpoints: Vec<EndpointReport>,
    /// All failures by status or kind.
    pub failures: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orders: Option<OrdersReport>,
}

impl LoadReport {
    pub fn new(
        scenario: Scenario,
        mode: Mode,
        url: &str,
        elapsed: Duration,
        tally: &Tally,
    ) -> Self {
        let seconds = elapsed.as_secs_f64().max(f64::EPSILON);
        let mut failures = BTreeMap::new();
        let endpoints: Vec<EndpointReport> = tally
            .endpoints
            .iter()
            .map(|(endpoint, counts)| {
                let named: BTreeMap<String, u64> = counts
                    .failures
                    .iter()
                    .map(|(failure, n)| (failure.to_string(), *n))
                    .collect();
                for (name, n) in &named {
                    *failures.entry(name.clone()).or_default() += n;
                }
                let requests = counts.ok() + counts.failed();
                EndpointReport {
                    endpoint: endpoint.template(),
                    requests,
                    ok: counts.ok(),
                    failed: counts.failed(),
                    requests_per_s: requests as f64 / seconds,
                    latency: LatencySummary::of(&counts.latency),
                    failures: named,
                }
            })
            .collect();
        let ok = endpoints.iter().map(|e| e.ok).sum();
        let failed = endpoints.iter().map(|e| e.failed).sum();
        let orders = scenario.buys().then(|| OrdersReport {
            accepted: tally.orders.accepted,
            confirmed: tally.orders.confirmed,
            cancelled: tally.orders.cancelled,
            lost: tally.orders.lost(),
            accepted_to_confirmed: LatencySummary::of(&tally.orders.confirm_latency),
            seen_confirmed: LatencySummary::of(&tally.orders.seen_confirmed_latency),
        });
        Self {
            scenario,
            mode,
            url: url.to_owned(),
            duration_s: elapsed.as_secs_f64(),
            requests: ok + failed,
            ok,
            failed,
            dropped: tally.dropped,
            requests_per_s: (ok + failed) as f64 / seconds,
            endpoints,
            failures,
            orders,
        }
    }

    /// The endpoint's figures, if it was called.
    pub fn endpoint(&self, template: &str) -> Option<&EndpointReport> {
        self.endpoints.iter().find(|e| e.endpoint == template)
    }

    /// A summary table.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "scenario {}, {}, {:.1} s, {}",
            self.scenario.name(),
            self.mode,
            self.duration_s,
            self.url
        );
        let _ = writeln!(
            out,
            "requests {} ({:.0} req/s), ok {}, failed {}, dropped {}",
            thousands(self.requests),
            self.requests_per_s,
            thousands(self.ok),
            thousands(self.failed),
            thousands(self.dropped)
        );
        let _ = writeln!(
            out,
            "\n{:<24} {:>9} {:>10} {:>8} {:>8} {:>8} {:>8} {:>7}",
            "endpoint", "req/s", "ok", "p50 ms", "p90 ms", "p99 ms", "max ms", "failed"
        );
        for e in &self.endpoints {
            let _ = writeln!(
                out,
                "{:<24} {:>9.0} {:>10} {:>8.2} {:>8.2} {:>8.2} {:>8.1} {:>7}",
                e.endpoint,
                e.requests_per_s,
                thousands(e.ok),
                e.latency.p50_ms,
                e.latency.p90_ms,
                e.latency.p99_ms,
                e.latency.max_ms,
                thousands(e.failed)
            );
        }
        let _ = writeln!(out, "\nfailures: {}", failure_list(&self.failures));
        if let Some(orders) = &self.orders {
            let _ = writeln!(
                out,
                "orders: accepted {}, confirmed {}, cancelled {}, lost {}",
                thousands(orders.accepted),
                thousands(orders.confirmed),
                thousands(orders.cancelled),
                thousands(orders.lost)
            );
            for (name, l) in orders.latencies() {
                let _ = writeln!(
                    out,
                    "{name}: {} orders, p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
                    thousands(l.count),
                    l.p50_ms,
                    l.p90_ms,
                    l.p99_ms,
                    l.max_ms
                );
            }
        }
        out
    }
}

/// `503: 12, timeout: 3`, or `none`.
pub fn failure_list(failures: &BTreeMap<String, u64>) -> String {
    if failures.is_empty() {
        return "none".to_owned();
    }
    failures
        .iter()
        .map(|(name, n)| format!("{name}: {}", thousands(*n)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::client::Endpoint;
    use crate::load::stats::{Failure, Recorder};

    fn sample() -> LoadReport {
        let recorder = Recorder::new().expect("valid bounds");
        for _ in 0..90 {
            recorder.success(Endpoint::GetProduct, Duration::from_millis(2));
        }
        for _ in 0..8 {
            recorder.success(Endpoint::Checkout, Duration::from_millis(10));
        }
        recorder.failure(Endpoint::Checkout, Failure::Status(503));
        recorder.failure(Endpoint::GetProduct, Failure::Status(503));
        for _ in 0..8 {
            recorder.order_accepted();
        }
        for n in 0..7 {
            let recorded = (n > 0).then(|| Duration::from_millis(20));
            recorder.order_confirmed(Duration::from_millis(30), recorded);
        }
        let mode = Mode::Concurrency { workers: 4 };
        let tally = recorder.snapshot();
        LoadReport::new(
            Scenario::Mixed,
            mode,
            "http://x/api/v1",
            Duration::from_secs(2),
            &tally,
        )
    }

    #[test]
    fn rates_are_per_second_of_the_run() {
        let report = sample();
        assert_eq!((report.requests, report.ok, report.failed), (100, 98, 2));
        assert!((report.requests_per_s - 50.0).abs() < 1e-9);
        let product = report.endpoint("GET /products/:id").expect("called");
        assert!((product.requests_per_s - 45.5).abs() < 1e-9);
    }

    #[test]
    fn failures_are_summed_over_endpoints() {
        let report = sample();
        assert_eq!(report.failures.get("503"), Some(&2));
        assert_eq!(failure_list(&report.failures), "503: 2");
        assert_eq!(failure_list(&BTreeMap::new()), "none");
    }

    #[test]
    fn orders_report_what_was_lost() {
        let orders = sample().orders.expect("mixed buys");
        assert_eq!((orders.accepted, orders.confirmed, orders.lost), (8, 7, 1));
        assert_eq!(orders.accepted_to_confirmed.count, 6);
        assert_eq!(orders.seen_confirmed.count, 7);
    }

    #[test]
    fn the_text_gives_both_confirmation_latencies_by_name() {
        let text = sample().render_text();
        assert!(
            text.contains("accepted → confirmed, as orders recorded it: 6 orders, p50 20.0 ms"),
            "{text}"
        );
        assert!(
            text.contains("201 → seen confirmed by a poll: 7 orders, p50 30.0 ms"),
            "{text}"
        );
    }

    #[test]
    fn the_json_names_endpoints_by_route() {
        let json = serde_json::to_value(sample()).expect("serialisable");
        assert_eq!(json["scenario"], "mixed");
        assert_eq!(json["mode"]["kind"], "concurrency");
        assert_eq!(json["endpoints"][0]["endpoint"], "GET /products/:id");
        assert_eq!(json["orders"]["lost"], 1);
    }

    #[test]
    fn the_table_lists_every_endpoint() {
        let text = sample().render_text();
        assert!(text.contains("GET /products/:id"), "{text}");
        assert!(text.contains("POST /orders/checkout"), "{text}");
        assert!(text.contains("lost 1"), "{text}");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
