//! Keeps the local platform running as a container runtime would: a service that
//! exits unexpectedly is restarted with exponential backoff, and says so in the log.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use shop_common::service::ServiceKind;
use tokio_util::sync::CancellationToken;

use crate::platform::Platform;

/// A service that stayed up this long starts its backoff from the beginning again.
const STABLE_AFTER: Duration = Duration::from_secs(60);
const FIRST_DELAY: Duration = Duration::from_secs(1);
const MAX_DELAY: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(250);

/// The restart history of one service.
#[derive(Debug, Clone, Copy)]
struct Restarts {
    /// Delay before the next restart.
    delay: Duration,
    /// When it was last started.
    started: Instant,
    /// A restart is due at this instant.
    due: Option<Instant>,
    count: u32,
}

impl Restarts {
    fn new() -> Self {
        Self {
            delay: FIRST_DELAY,
            started: Instant::now(),
            due: None,
            count: 0,
        }
    }

    /// Plans the restart after an exit; a service that had been stable starts over.
    fn schedule(&mut self, now: Instant) -> Duration {
        if now.duration_since(self.started) >= STABLE_AFTER {
            self.delay = FIRST_DELAY;
        }
        let delay = self.delay;
        self.due = Some(now + delay);
        self.delay = (self.delay * 2).min(MAX_DELAY);
        delay
    }
}

/// Watches the platform until `shutdown`, restarting services that exit.
pub async fn supervise(platform: &mut Platform, shutdown: &CancellationToken) {
    let mut restarts: HashMap<ServiceKind, Restarts> = ServiceKind::ALL
        .into_iter()
        .map(|service| (service, Restarts::new()))
        .collect();
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(POLL) => {}
        }
        let now = Instant::now();
        for (service, status, lines) in platform.all_exited() {
            let state = restarts.entry(service).or_insert_with(Restarts::new);
            match state.due {
                None => {
                    let delay = state.schedule(now);
                    eprintln!(
                        "==> {service} exited unexpectedly ({status}); restarting in {delay:?}. Its last lines:"
                    );
                    for line in lines.iter().rev().take(10).rev() {
                        eprintln!("    {line}");
                    }
                }
                Some(due) if due <= now => {
                    state.due = None;
                    state.started = now;
                    state.count += 1;
                    match platform.restart(service) {
                        Ok(()) => eprintln!("==> restarted {service} (restart #{})", state.count),
                        Err(error) => eprintln!("==> cannot restart {service}: {error}"),
                    }
                }
                Some(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_cap_and_restarts_after_stability() {
        let start = Instant::now();
        let mut state = Restarts::new();
        state.started = start;
        let delays: Vec<_> = (0..7).map(|_| state.schedule(start)).collect();
        assert_eq!(delays[0], Duration::from_secs(1));
        assert_eq!(delays[1], Duration::from_secs(2));
        assert_eq!(delays[6], MAX_DELAY);
        let later = start + STABLE_AFTER;
        assert_eq!(state.schedule(later), FIRST_DELAY);
    }
}
