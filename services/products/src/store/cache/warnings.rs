//! Rate-limited warnings: a dead Redis fails every request's cache call, and one line
//! per failure would flood the logs.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Logs a failure at most once per interval, with how many were left out since.
pub struct Warnings {
    interval_millis: u64,
    started: Instant,
    /// Milliseconds since `started` before which nothing is logged.
    quiet_until: AtomicU64,
    suppressed: AtomicU64,
}

impl Warnings {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval_millis: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
            started: Instant::now(),
            quiet_until: AtomicU64::new(0),
            suppressed: AtomicU64::new(0),
        }
    }

    pub fn warn(&self, operation: &str, error: &dyn fmt::Display) {
        if self.may_log() {
            let suppressed = self.suppressed.swap(0, Ordering::Relaxed);
            tracing::warn!(
                operation,
                %error,
                suppressed,
                "Redis cache call failed; serving from PostgreSQL"
            );
        } else {
            self.suppressed.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// True for one caller per interval.
    fn may_log(&self) -> bool {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let quiet_until = self.quiet_until.load(Ordering::Relaxed);
        now >= quiet_until
            && self
                .quiet_until
                .compare_exchange(
                    quiet_until,
                    now.saturating_add(self.interval_millis),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_once_per_interval() {
        let warnings = Warnings::new(Duration::from_secs(3600));
        assert!(warnings.may_log());
        assert!(!warnings.may_log());
        warnings.warn("get", &"refused");
        assert_eq!(warnings.suppressed.load(Ordering::Relaxed), 1);
    }
}
