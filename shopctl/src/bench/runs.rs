//! The load scenarios of the benchmark, in order, against the platform's gateway and
//! the bare axum ceiling.

use std::sync::Arc;
use std::time::Duration;

use shop_common::service::ServiceKind;

use super::broker;
use super::ceiling::Ceiling;
use super::cpu::{CpuSnapshot, Spender};
use super::{BenchError, BenchOptions, Stage};
use crate::load::fixture::{Fixture, Setup};
use crate::load::report::LoadReport;
use crate::load::scenario::Scenario;
use crate::load::{LoadPlan, LoadRunner, Mode};
use crate::platform::{LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD, Platform};

/// Requests in flight at most in the open-loop runs.
const MAX_IN_FLIGHT: usize = 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long after `buy` pending orders may still confirm before they count as lost.
const SETTLE: Duration = Duration::from_secs(30);
/// Rounds of 1 and 2. They alternate, so that a change in the machine's speed (a
/// shared VM drifts by tens of per cent within minutes) falls on both sides, and the
/// median round is reported: one slow phase during one run no longer decides the share.
const CEILING_ROUNDS: usize = 3;
const _: () = assert!(CEILING_ROUNDS > 0);
/// How long stock and orders have to stop when restarted before `buy`.
const RESTART_GRACE: Duration = Duration::from_secs(15);
/// How long they have to be healthy again.
const RESTART_TIMEOUT: Duration = Duration::from_secs(60);
/// Unmeasured orders after that restart: until their consumers have joined their
/// groups, orders would wait for the rebalance, which is not what `buy` measures.
const BUY_WARMUP_RATE: f64 = 20.0;
const BUY_WARMUP: Duration = Duration::from_secs(5);

/// What each scenario measured.
#[derive(Debug, Clone)]
pub struct Runs {
    /// Bytes of the `GET /products/:id` answer (and of the ceiling's).
    pub product_body_len: usize,
    /// 1. Cached product reads, closed loop (the median round).
    pub product: LoadReport,
    /// 2. The same against bare axum (the median round's).
    pub ceiling: LoadReport,
    /// Our share of the ceiling in each round, in the order they ran.
    pub ceiling_shares: Vec<f64>,
    /// 1 again, open loop at half of its max rate.
    pub product_half_rate: LoadReport,
    /// 3.
    pub list: LoadReport,
    pub search: LoadReport,
    /// 4.
    pub login: LoadReport,
    /// 5.
    pub buy: LoadReport,
    /// CPU per request of each process, per run.
    pub cpu: Vec<CpuRow>,
}

/// What one run cost each process.
#[derive(Debug, Clone)]
pub struct CpuRow {
    pub run: String,
    pub per_request: Vec<(Spender, Duration)>,
}

/// One runner and fixture for every scenario.
struct Session<'a> {
    options: &'a BenchOptions,
    runner: LoadRunner,
    fixture: Arc<Fixture>,
    /// The service processes, for their CPU time.
    pids: Vec<(ServiceKind, u32)>,
    cpu: Vec<CpuRow>,
}

impl Session<'_> {
    fn plan(&self, scenario: Scenario, mode: Mode, duration: Duration) -> LoadPlan {
        LoadPlan {
            scenario,
            mode,
            duration,
            poll_interval: self.options.poll_interval,
            poll_budget: self.options.poll_budget,
            settle: SETTLE,
        }
    }

    /// `scenario` with the benchmark's connections, back to back, for `duration`.
    fn closed(&self, scenario: Scenario, duration: Duration) -> LoadPlan {
        let workers = self.options.connections;
        self.plan(scenario, Mode::Concurrency { workers }, duration)
    }

    fn open(&self, scenario: Scenario, per_second: f64, duration: Duration) -> LoadPlan {
        let mode = Mode::Rate {
            per_second,
            connections: self.options.connections,
            max_in_flight: MAX_IN_FLIGHT,
        };
        self.plan(scenario, mode, duration)
    }

    /// Runs `plan`, and notes its CPU per request under `row` (unless empty).
    async fn run(
        &mut self,
        label: &str,
        row: &str,
        plan: &LoadPlan,
    ) -> Result<LoadReport, BenchError> {
        eprintln!("==> {label}");
        let before = CpuSnapshot::take(&self.pids);
        let report = self.runner.run(self.fixture.clone(), plan).await?;
        self.note_cpu(row, &before, report.requests);
        Ok(report)
    }

    fn note_cpu(&mut self, row: &str, before: &CpuSnapshot, requests: u64) {
        if !row.is_empty() {
            let per_request = CpuSnapshot::take(&self.pids).per_request_since(before, requests);
            self.cpu.push(CpuRow {
                run: row.to_owned(),
                per_request,
            });
        }
    }
}

/// Prepares the load catalog and users at `gateway` and runs every scenario.
pub async fn measure(
    options: &BenchOptions,
    gateway: &str,
    platform: &mut Platform,
) -> Result<Runs, BenchError> {
    let runner = LoadRunner::new(gateway, MAX_IN_FLIGHT, REQUEST_TIMEOUT, true)?;
    eprintln!(
        "==> preparing the load catalog and {} virtual users",
        options.users
    );
    let setup = Setup {
        admin_email: LOCAL_ADMIN_EMAIL.to_owned(),
        admin_password: LOCAL_ADMIN_PASSWORD.to_owned(),
        users: options.users,
    };
    let fixture = Arc::new(runner.prepare(&setup).await?);
    let first = fixture.products.first().cloned().unwrap_or_default();
    let product_body_len = runner
        .client()
        .body_len(&format!("/products/{first}"))
        .await
        .map_err(BenchError::ProductBody)?;
    let mut s = Session {
        options,
        runner,
        fixture,
        pids: platform.pids(),
        cpu: Vec::new(),
    };
    let d = options.duration_of(Stage::Product, options.duration);
    s.run(
        "warming up",
        "",
        &s.closed(Scenario::Product, options.warmup),
    )
    .await?;
    let rounds = product_rounds(&s, product_body_len, &s.closed(Scenario::Product, d)).await?;
    let ceiling_shares: Vec<f64> = rounds.iter().map(ProductRound::share).collect();
    let ProductRound {
        product,
        ceiling,
        cpu,
    } = median_round(rounds);
    s.cpu.extend(cpu);
    let half = (product.requests_per_s / 2.0).max(1.0).round();
    let label = format!("1b. GET /products/:id at half its max rate ({half} req/s)");
    let product_half_rate = s
        .run(&label, "", &s.open(Scenario::Product, half, d))
        .await?;
    let d = options.duration_of(Stage::List, options.duration);
    let list = s
        .run(
            "3. GET /products?page=1&limit=10",
            "3. list",
            &s.closed(Scenario::List, d),
        )
        .await?;
    let search = s
        .run(
            "3. GET /products/search?q=...",
            "3. search",
            &s.closed(Scenario::Search, d),
        )
        .await?;
    let workers = options.login_concurrency;
    let d = options.duration_of(Stage::Login, options.duration);
    let logins = s.plan(Scenario::Login, Mode::Concurrency { workers }, d);
    let login = s
        .run(
            &format!("4. POST /auth/login, {workers} at a time"),
            "4. login",
            &logins,
        )
        .await?;
    prepare_buy(&mut s, platform).await?;
    let rate = options.buy_rate;
    let buying = options.duration_of(Stage::Buy, options.buy_duration);
    let label = format!("5. buy at {rate} orders/s for {buying:?}");
    let buy = s
        .run(
            &label,
            "5. buy (all its requests)",
            &s.open(Scenario::Buy, rate, buying),
        )
        .await?;
    Ok(Runs {
        product_body_len,
        product,
        ceiling,
        ceiling_shares,
        product_half_rate,
        list,
        search,
        login,
        buy,
        cpu: s.cpu,
    })
}

/// Restarts stock and orders with the confirmation path's fetch wait (see
/// [`broker::CONFIRMATION_PATH_FETCH_WAIT_MS`]; the read scenarios ran with
/// [`broker::READS_FETCH_WAIT_MS`]) and sends a few unmeasured orders through them.
async fn prepare_buy(s: &mut Session<'_>, platform: &mut Platform) -> Result<(), BenchError> {
    let wait = broker::CONFIRMATION_PATH_FETCH_WAIT_MS;
    eprintln!("==> restarting stock and orders with a {wait} ms fetch wait");
    platform
        .restart_with(broker::service_env(wait), RESTART_GRACE)
        .await?;
    platform.wait_healthy(RESTART_TIMEOUT).await?;
    s.pids = platform.pids();
    let warmup = s.open(Scenario::Buy, BUY_WARMUP_RATE, BUY_WARMUP);
    s.run("warming up the order flow", "", &warmup).await?;
    Ok(())
}

/// One round of 1 and 2, with what each cost per request.
struct ProductRound {
    product: LoadReport,
    ceiling: LoadReport,
    cpu: [CpuRow; 2],
}

impl ProductRound {
    fn share(&self) -> f64 {
        ceiling_share(&self.product, &self.ceiling)
    }
}

/// `ours` as a share of `ceiling` (0 when the ceiling served nothing).
pub fn ceiling_share(ours: &LoadReport, ceiling: &LoadReport) -> f64 {
    if ceiling.requests_per_s > 0.0 {
        ours.requests_per_s / ceiling.requests_per_s
    } else {
        0.0
    }
}

/// The round whose share is the median (of an even count, the lower middle one).
fn median_round(mut rounds: Vec<ProductRound>) -> ProductRound {
    rounds.sort_by(|a, b| a.share().total_cmp(&b.share()));
    let middle = rounds.len().saturating_sub(1) / 2;
    rounds
        .into_iter()
        .nth(middle)
        .expect("CEILING_ROUNDS rounds ran, at least one")
}

/// [`CEILING_ROUNDS`] rounds of `plan` through the gateway, then against a bare axum
/// server (warmed up like the gateway), which runs from the first round to the last.
async fn product_rounds(
    session: &Session<'_>,
    body_len: usize,
    plan: &LoadPlan,
) -> Result<Vec<ProductRound>, BenchError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let ceiling = Ceiling::start(body_len, threads)?;
    let measured = alternate(session, &ceiling, plan).await;
    ceiling.stop()?;
    measured
}

/// The rounds themselves, the bare server already started.
async fn alternate(
    session: &Session<'_>,
    ceiling: &Ceiling,
    plan: &LoadPlan,
) -> Result<Vec<ProductRound>, BenchError> {
    let connections = session.options.connections;
    let bare = LoadRunner::new(&ceiling.base_url(), connections, REQUEST_TIMEOUT, true)?;
    let warmup = LoadPlan {
        duration: session.options.warmup,
        ..plan.clone()
    };
    bare.run(session.fixture.clone(), &warmup).await?;
    let mut rounds = Vec::with_capacity(CEILING_ROUNDS);
    for round in 1..=CEILING_ROUNDS {
        eprintln!("==> 1. GET /products/:id, {connections} connections, round {round}");
        let (product, product_cpu) =
            measured_run(session, &session.runner, plan, "1. product").await?;
        eprintln!("==> 2. the bare axum ceiling, {connections} connections, round {round}");
        let (ceiling, ceiling_cpu) = measured_run(session, &bare, plan, "2. bare axum").await?;
        rounds.push(ProductRound {
            product,
            ceiling,
            cpu: [product_cpu, ceiling_cpu],
        });
    }
    Ok(rounds)
}

/// `plan` by `runner`, and its CPU per request (read before the ceiling stops: the
/// CPU of exited threads is no longer told apart).
async fn measured_run(
    session: &Session<'_>,
    runner: &LoadRunner,
    plan: &LoadPlan,
    row: &str,
) -> Result<(LoadReport, CpuRow), BenchError> {
    let before = CpuSnapshot::take(&session.pids);
    let report = runner.run(session.fixture.clone(), plan).await?;
    let per_request = CpuSnapshot::take(&session.pids).per_request_since(&before, report.requests);
    let row = CpuRow {
        run: row.to_owned(),
        per_request,
    };
    Ok((report, row))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::testing::passing;

    fn round(product: f64, ceiling: f64) -> ProductRound {
        let runs = passing().runs;
        let with_rate = |mut report: LoadReport, rate| {
            report.requests_per_s = rate;
            report
        };
        let row = |run: &str| CpuRow {
            run: run.to_owned(),
            per_request: Vec::new(),
        };
        ProductRound {
            product: with_rate(runs.product, product),
            ceiling: with_rate(runs.ceiling, ceiling),
            cpu: [row("1. product"), row("2. bare axum")],
        }
    }

    #[test]
    fn the_median_round_is_the_middle_share_not_the_middle_rate() {
        let rounds = vec![round(30.0, 50.0), round(20.0, 50.0), round(25.0, 100.0)];
        let median = median_round(rounds);
        assert_eq!(median.product.requests_per_s, 20.0);
        assert_eq!(median.ceiling.requests_per_s, 50.0);
    }

    #[test]
    fn of_two_rounds_the_lower_is_the_median() {
        let median = median_round(vec![round(30.0, 50.0), round(20.0, 50.0)]);
        assert!((median.share() - 0.4).abs() < 1e-9);
    }
}
