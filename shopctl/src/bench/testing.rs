//! Results of a made-up run, for the tests of the targets and the report.

use std::path::PathBuf;
use std::time::Duration;

use shop_common::service::ServiceKind;

use super::cpu::Spender;
use super::machine::{Commit, Images, Machine};
use super::platform::ColdStart;
use super::{BenchOptions, BenchResults, CpuRow, Runs, ServiceMemory};
use crate::load::Mode;
use crate::load::client::Endpoint;
use crate::load::report::LoadReport;
use crate::load::scenario::Scenario;
use crate::load::stats::Recorder;

/// A one-second run of `scenario` whose every request took `latency`, reported at
/// `per_second`.
pub fn run(
    scenario: Scenario,
    endpoint: Endpoint,
    per_second: f64,
    latency: Duration,
) -> LoadReport {
    let recorder = Recorder::new().expect("valid bounds");
    for _ in 0..100 {
        recorder.success(endpoint, latency);
    }
    if scenario.buys() {
        for _ in 0..100 {
            recorder.order_accepted();
            recorder.order_confirmed(Duration::from_millis(50), Some(Duration::from_millis(40)));
        }
    }
    let mode = Mode::Concurrency { workers: 64 };
    let mut report = LoadReport::new(
        scenario,
        mode,
        "http://127.0.0.1:24000/api/v1",
        Duration::from_secs(1),
        &recorder.snapshot(),
    );
    report.requests_per_s = per_second;
    report
}

/// A run that meets every target.
pub fn passing() -> BenchResults {
    let ms = Duration::from_millis;
    BenchResults {
        options: BenchOptions::full(PathBuf::from("/repo")),
        machine: Machine {
            cpus: 2,
            cpu_model: "Test CPU @ 2.20GHz".to_owned(),
            memory_kib: 24 * 1024 * 1024,
            kernel: "6.1.0".to_owned(),
        },
        commit: Commit {
            short: "abc1234".to_owned(),
            dirty: false,
        },
        date: "2026-11-24 13:05 UTC".to_owned(),
        load_before: Some([0.5, 0.4, 0.3]),
        load_after: Some([1.5, 1.0, 0.6]),
        cold_start: ColdStart {
            total: ms(150),
            services: ServiceKind::ALL.map(|s| (s, ms(120))).to_vec(),
        },
        runs: Runs {
            product_body_len: 420,
            product: run(Scenario::Product, Endpoint::GetProduct, 20_000.0, ms(2)),
            ceiling: run(Scenario::Product, Endpoint::GetProduct, 30_000.0, ms(1)),
            ceiling_shares: vec![0.71, 0.6667, 0.62],
            product_half_rate: run(Scenario::Product, Endpoint::GetProduct, 10_000.0, ms(1)),
            list: run(Scenario::List, Endpoint::ListProducts, 30_000.0, ms(2)),
            search: run(Scenario::Search, Endpoint::SearchProducts, 5_000.0, ms(9)),
            login: run(Scenario::Login, Endpoint::Login, 70.0, ms(200)),
            buy: run(Scenario::Buy, Endpoint::Checkout, 400.0, ms(5)),
            cpu: vec![CpuRow {
                run: "1. product".to_owned(),
                per_request: vec![
                    (
                        Spender::Service(ServiceKind::Gateway),
                        Duration::from_micros(31),
                    ),
                    (Spender::LoadGenerator, Duration::from_micros(40)),
                ],
            }],
        },
        memory: ServiceKind::ALL
            .map(|service| ServiceMemory {
                service,
                idle_kib: 12 * 1024,
                peak_kib: 30 * 1024,
                after_kib: 14 * 1024,
            })
            .to_vec(),
        images: Images::NoDaemon,
    }
}
