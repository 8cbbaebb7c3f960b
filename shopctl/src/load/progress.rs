//! The live progress line on stderr: rewritten in place once a second on a terminal,
//! a plain line every few seconds otherwise (logs, CI).

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::stats::{Live, Recorder};

/// How often a plain (non-terminal) progress line is printed.
const PLAIN_EVERY: u64 = 5;

/// A running progress reporter; [`Progress::stop`] ends it.
pub struct Progress {
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts reporting `recorder`'s counters under `label`; does nothing when not
    /// `enabled`.
    pub fn start(label: String, recorder: Arc<Recorder>, enabled: bool) -> Self {
        let stop = CancellationToken::new();
        let task = enabled.then(|| tokio::spawn(report(label, recorder, stop.clone())));
        Self { stop, task }
    }

    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            // A reporter that panicked only loses its last line.
            let _ = task.await;
        }
    }
}

async fn report(label: String, recorder: Arc<Recorder>, stop: CancellationToken) {
    let terminal = std::io::stderr().is_terminal();
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    ticker.tick().await;
    let mut last = Snapshot::default();
    let mut ticks = 0_u64;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = ticker.tick() => {}
        }
        ticks += 1;
        let now = Snapshot::of(&recorder.live);
        let line = line(&label, started.elapsed(), &last, &now);
        last = now;
        if terminal {
            eprint!("\r\x1b[2K{line}");
        } else if ticks.is_multiple_of(PLAIN_EVERY) {
            eprintln!("{line}");
        }
    }
    if terminal && ticks > 0 {
        eprintln!();
    }
}

/// The live counters at one instant.
#[derive(Debug, Default, Clone, Copy)]
struct Snapshot {
    completed: u64,
    failed: u64,
    in_flight: u64,
    dropped: u64,
    accepted: u64,
    confirmed: u64,
}

impl Snapshot {
    fn of(live: &Live) -> Self {
        Self {
            completed: Live::get(&live.completed),
            failed: Live::get(&live.failed),
            in_flight: Live::get(&live.in_flight),
            dropped: Live::get(&live.dropped),
            accepted: Live::get(&live.accepted),
            confirmed: Live::get(&live.confirmed),
        }
    }
}

/// `[browse  12s]  10234 req/s  failed 0  in flight 64  dropped 0`, with the orders
/// when there are any; the rate is of the last tick.
fn line(label: &str, elapsed: Duration, last: &Snapshot, now: &Snapshot) -> String {
    let mut line = format!(
        "[{label} {:>3}s] {:>6} req/s  failed {}  in flight {}  dropped {}",
        elapsed.as_secs(),
        now.completed.saturating_sub(last.completed),
        now.failed,
        now.in_flight,
        now.dropped
    );
    if now.accepted > 0 {
        line.push_str(&format!(
            "  orders {} confirmed {}",
            now.accepted, now.confirmed
        ));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_the_last_seconds_rate_and_the_totals() {
        let last = Snapshot {
            completed: 1000,
            ..Snapshot::default()
        };
        let now = Snapshot {
            completed: 3500,
            failed: 2,
            in_flight: 64,
            ..Snapshot::default()
        };
        let line = line("browse", Duration::from_secs(12), &last, &now);
        assert_eq!(
            line,
            "[browse  12s]   2500 req/s  failed 2  in flight 64  dropped 0"
        );
    }

    #[test]
    fn orders_appear_once_there_are_some() {
        let now = Snapshot {
            accepted: 10,
            confirmed: 9,
            ..Snapshot::default()
        };
        let line = line("buy", Duration::from_secs(1), &Snapshot::default(), &now);
        assert!(line.ends_with("orders 10 confirmed 9"), "{line}");
    }
}
