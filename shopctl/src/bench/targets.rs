//! The targets of the benchmark (for a 2-core machine) and whether a run met them.

use shop_common::service::ServiceKind;

use super::BenchResults;
use super::rss::mib;
use super::runs::ceiling_share;
use crate::load::report::thousands;

/// The old (NestJS) system's `GET /products` throughput on the same kind of machine.
pub const OLD_LIST_PER_S: f64 = 2960.0;
/// The old system's logins per second.
pub const OLD_LOGINS_PER_S: f64 = 33.0;
/// Our cached product read must reach this share of the bare axum ceiling.
const CEILING_SHARE: f64 = 0.5;
/// p99 of the cached product read at half of its max rate.
const HALF_RATE_P99_MS: f64 = 5.0;
const LIST_FACTOR: f64 = 10.0;
const LOGIN_FACTOR: f64 = 2.0;
/// p99 from an order's creation to its confirmation, as the orders service recorded them.
const CONFIRM_P99_MS: f64 = 100.0;
const IDLE_RSS_MIB: f64 = 20.0;
const SERVICE_HEALTHY_MS: f64 = 200.0;
const PLATFORM_START_S: f64 = 10.0;

/// Met or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Miss,
}

impl Verdict {
    fn of(met: bool) -> Self {
        if met { Verdict::Pass } else { Verdict::Miss }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Miss => "MISS",
        }
    }
}

/// One target and what the run measured.
#[derive(Debug, Clone)]
pub struct Check {
    pub what: String,
    pub target: String,
    pub measured: String,
    pub verdict: Verdict,
}

fn check(what: &str, target: String, measured: String, met: bool) -> Check {
    Check {
        what: what.to_owned(),
        target,
        measured,
        verdict: Verdict::of(met),
    }
}

/// Every target, in the order of the issue.
pub fn evaluate(results: &BenchResults) -> Vec<Check> {
    let mut checks = Vec::new();
    let ours = results.runs.product.requests_per_s;
    let ceiling = results.runs.ceiling.requests_per_s;
    let share = ceiling_share(&results.runs.product, &results.runs.ceiling);
    checks.push(check(
        "cached `GET /products/:id` vs bare axum",
        format!(">= {:.0} % of the ceiling", CEILING_SHARE * 100.0),
        format!(
            "{:.0} vs {:.0} req/s = {:.0} %",
            ours,
            ceiling,
            share * 100.0
        ),
        share >= CEILING_SHARE,
    ));
    let half = &results.runs.product_half_rate;
    let p99 = half
        .endpoints
        .first()
        .map_or(f64::INFINITY, |e| e.latency.p99_ms);
    checks.push(check(
        "cached `GET /products/:id` p99 at half of max rate",
        format!("< {HALF_RATE_P99_MS} ms"),
        format!("{p99:.2} ms at {:.0} req/s", half.requests_per_s),
        p99 < HALF_RATE_P99_MS && half.failed == 0,
    ));
    let list = results.runs.list.requests_per_s;
    checks.push(check(
        "`GET /products?page=1&limit=10`",
        format!(
            ">= {} req/s ({LIST_FACTOR:.0}x the old {})",
            thousands((OLD_LIST_PER_S * LIST_FACTOR) as u64),
            thousands(OLD_LIST_PER_S as u64)
        ),
        format!("{list:.0} req/s = {:.1}x", list / OLD_LIST_PER_S),
        list >= OLD_LIST_PER_S * LIST_FACTOR,
    ));
    let logins = results.runs.login.requests_per_s;
    checks.push(check(
        "`POST /auth/login` (argon2id, OWASP cost)",
        format!(
            ">= {:.0} /s ({LOGIN_FACTOR:.0}x the old {OLD_LOGINS_PER_S:.0})",
            OLD_LOGINS_PER_S * LOGIN_FACTOR
        ),
        format!("{logins:.1} /s = {:.1}x", logins / OLD_LOGINS_PER_S),
        logins >= OLD_LOGINS_PER_S * LOGIN_FACTOR && results.runs.login.failed == 0,
    ));
    checks.extend(buy_checks(results));
    checks.extend(platform_checks(results));
    checks
}

fn buy_checks(results: &BenchResults) -> Vec<Check> {
    let rate = results.options.buy_rate;
    let Some(orders) = &results.runs.buy.orders else {
        return Vec::new();
    };
    let recorded = &orders.accepted_to_confirmed;
    let p99 = recorded.p99_ms;
    // Every confirmed order must carry both times, or the figure leaves some out.
    let complete = recorded.count > 0 && recorded.count == orders.confirmed;
    vec![
        check(
            "`buy`: accepted → confirmed p99",
            format!("< {CONFIRM_P99_MS:.0} ms at {rate:.0} orders/s"),
            format!(
                "{p99:.1} ms (p50 {:.1} ms) at {:.0} orders/s, {} of {} confirmed orders timed",
                recorded.p50_ms,
                orders.accepted as f64 / results.runs.buy.duration_s.max(f64::EPSILON),
                thousands(recorded.count),
                thousands(orders.confirmed)
            ),
            p99 < CONFIRM_P99_MS && complete,
        ),
        check(
            "`buy`: lost orders",
            "0".to_owned(),
            format!(
                "{} lost of {} accepted ({} cancelled, {} failed requests)",
                orders.lost,
                thousands(orders.accepted),
                orders.cancelled,
                results.runs.buy.failed
            ),
            orders.lost == 0 && orders.accepted > 0,
        ),
    ]
}

fn platform_checks(results: &BenchResults) -> Vec<Check> {
    let mut checks = Vec::new();
    let fattest = results.memory.iter().max_by_key(|m| m.idle_kib);
    checks.push(check(
        "idle RSS of every service",
        format!("<= {IDLE_RSS_MIB:.0} MiB each"),
        fattest.map_or("not measured".to_owned(), |m| {
            format!("largest: {} {:.1} MiB", m.service, mib(m.idle_kib))
        }),
        !results.memory.is_empty()
            && results
                .memory
                .iter()
                .all(|m| mib(m.idle_kib) <= IDLE_RSS_MIB),
    ));
    let slowest = results
        .cold_start
        .services
        .iter()
        .max_by_key(|(_, after)| *after);
    let over: Vec<ServiceKind> = results
        .cold_start
        .services
        .iter()
        .filter(|(_, after)| after.as_secs_f64() * 1000.0 > SERVICE_HEALTHY_MS)
        .map(|(service, _)| *service)
        .collect();
    checks.push(check(
        "each service healthy after its start",
        format!("<= {SERVICE_HEALTHY_MS:.0} ms"),
        slowest.map_or("not measured".to_owned(), |(service, after)| {
            let over = if over.is_empty() {
                String::new()
            } else {
                format!(
                    "; over: {}",
                    over.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
                )
            };
            format!(
                "slowest: {service} {:.0} ms{over}",
                after.as_secs_f64() * 1000.0
            )
        }),
        slowest.is_some() && over.is_empty(),
    ));
    let total = results.cold_start.total.as_secs_f64();
    checks.push(check(
        "platform start (built, infrastructure up)",
        format!("< {PLATFORM_START_S:.0} s"),
        format!("{total:.2} s"),
        total < PLATFORM_START_S,
    ));
    checks
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::bench::testing::{self, passing};
    use crate::load::client::Endpoint;
    use crate::load::scenario::Scenario;

    fn verdict_of(results: &BenchResults, what: &str) -> Verdict {
        evaluate(results)
            .into_iter()
            .find(|c| c.what.contains(what))
            .unwrap_or_else(|| panic!("no check about {what}"))
            .verdict
    }

    #[test]
    fn a_run_meeting_every_target_passes_them_all() {
        let checks = evaluate(&passing());
        assert_eq!(checks.len(), 9);
        let misses: Vec<_> = checks
            .iter()
            .filter(|c| c.verdict == Verdict::Miss)
            .collect();
        assert!(misses.is_empty(), "{misses:?}");
    }

    #[test]
    fn the_product_read_is_judged_against_the_ceiling() {
        let mut results = passing();
        results.runs.product.requests_per_s = 14_000.0; // 46.7 % of 30,000
        assert_eq!(verdict_of(&results, "vs bare axum"), Verdict::Miss);
        let checks = evaluate(&results);
        assert!(
            checks[0].measured.ends_with("= 47 %"),
            "{}",
            checks[0].measured
        );
    }

    #[test]
    fn slow_latency_at_half_rate_misses() {
        let mut results = passing();
        let slow = Duration::from_millis(6);
        results.runs.product_half_rate =
            testing::run(Scenario::Product, Endpoint::GetProduct, 10_000.0, slow);
        assert_eq!(verdict_of(&results, "half of max rate"), Verdict::Miss);
    }

    #[test]
    fn list_and_login_are_judged_against_the_old_system() {
        let mut results = passing();
        results.runs.list.requests_per_s = 29_000.0;
        results.runs.login.requests_per_s = 60.0;
        assert_eq!(verdict_of(&results, "GET /products?page"), Verdict::Miss);
        assert_eq!(verdict_of(&results, "POST /auth/login"), Verdict::Miss);
    }

    #[test]
    fn one_lost_order_misses() {
        let mut results = passing();
        if let Some(orders) = results.runs.buy.orders.as_mut() {
            orders.lost = 1;
        }
        assert_eq!(verdict_of(&results, "lost orders"), Verdict::Miss);
    }

    #[test]
    fn one_fat_or_slow_service_misses_and_is_named() {
        let mut results = passing();
        results.memory[2].idle_kib = 21 * 1024;
        results.cold_start.services[4].1 = Duration::from_millis(350);
        let checks = evaluate(&results);
        let memory = checks
            .iter()
            .find(|c| c.what.contains("idle RSS"))
            .expect("checked");
        assert_eq!(memory.verdict, Verdict::Miss);
        assert!(memory.measured.contains(results.memory[2].service.name()));
        let start = checks
            .iter()
            .find(|c| c.what.contains("healthy"))
            .expect("checked");
        assert_eq!(start.verdict, Verdict::Miss);
        assert!(
            start.measured.contains("over: orders"),
            "{}",
            start.measured
        );
    }
}
