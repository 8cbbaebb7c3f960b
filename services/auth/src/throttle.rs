//! Login throttling: after `max_failures` failed logins for one e-mail within
//! `window`, logins for that e-mail are refused for `lockout`.
//!
//! In memory, per process: with several replicas the limit applies per replica. The
//! map is bounded (`capacity` e-mails): stale entries are dropped first, then the
//! oldest, so a flood of made-up e-mails costs memory only up to the cap.
//!
//! Attempts in flight count against the limit too, so a burst of parallel guesses
//! cannot all start before the first failures are recorded.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The throttling settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottlePolicy {
    /// `LOGIN_MAX_FAILURES` (default 5).
    pub max_failures: u32,
    /// `LOGIN_FAILURE_WINDOW` (default 15m).
    pub window: Duration,
    /// `LOGIN_LOCKOUT` (default 15m).
    pub lockout: Duration,
    /// `LOGIN_THROTTLE_CAPACITY`: e-mails tracked at most (default 100000).
    pub capacity: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: Duration::from_secs(15 * 60),
            lockout: Duration::from_secs(15 * 60),
            capacity: 100_000,
        }
    }
}

/// Logins for this e-mail are refused for now; try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many failed logins for this e-mail; try again in {} s", .retry_after.as_secs().max(1))]
pub struct Throttled {
    pub retry_after: Duration,
}

#[derive(Debug)]
struct Entry {
    window_start: Instant,
    failures: u32,
    in_flight: u32,
    locked_until: Option<Instant>,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Self {
            window_start: now,
            failures: 0,
            in_flight: 0,
            locked_until: None,
        }
    }

    fn locked(&self, now: Instant) -> bool {
        self.locked_until.is_some_and(|until| now < until)
    }

    /// Forgets failures older than the window.
    fn roll_window(&mut self, now: Instant, window: Duration) {
        if now.duration_since(self.window_start) >= window {
            self.window_start = now;
            self.failures = 0;
        }
    }

    /// Nothing worth remembering: may be dropped.
    fn stale(&self, now: Instant, window: Duration) -> bool {
        self.in_flight == 0
            && !self.locked(now)
            && (self.failures == 0 || now.duration_since(self.window_start) >= window)
    }
}

/// Failed-login counts per normalized e-mail.
#[derive(Debug)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    entries: Mutex<HashMap<String, Entry>>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// Starts a login attempt for `email`, or refuses it while the e-mail is locked.
    /// The attempt must be settled with [`Attempt::failed`] or [`Attempt::succeeded`];
    /// dropped unsettled (an error, a cancelled call), it does not count.
    pub fn begin(&self, email: &str) -> Result<Attempt<'_>, Throttled> {
        let key = email.trim().to_lowercase();
        self.begin_at(&key, Instant::now())?;
        Ok(Attempt {
            throttle: self,
            key,
            settled: false,
        })
    }

    fn entries(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // The map stays consistent even if a holder panicked: every update is one step.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin_at(&self, key: &str, now: Instant) -> Result<(), Throttled> {
        let mut entries = self.entries();
        if !entries.contains_key(key) {
            self.make_room(&mut entries, now);
        }
        let entry = entries
            .entry(key.to_owned())
            .or_insert_with(|| Entry::new(now));
        if let Some(until) = entry.locked_until {
            if now < until {
                return Err(Throttled {
                    retry_after: until - now,
                });
            }
            entry.locked_until = None;
        }
        entry.roll_window(now, self.policy.window);
        if entry.failures + entry.in_flight >= self.policy.max_failures {
            // The guesses in flight would use up the allowance: wait for their outcome.
            return Err(Throttled {
                retry_after: Duration::from_secs(1),
            });
        }
        entry.in_flight += 1;
        Ok(())
    }

    fn fail_at(&self, key: &str, now: Instant) {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(key) else {
            return;
        };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        entry.roll_window(now, self.policy.window);
        entry.failures += 1;
        if entry.failures >= self.policy.max_failures {
            entry.locked_until = Some(now + self.policy.lockout);
            entry.failures = 0;
            entry.window_start = now;
            tracing::warn!(
                lockout_seconds = self.policy.lockout.as_secs(),
                "too many failed logins for one e-mail; locking it"
            );
        }
    }

    /// A correct password forgets earlier failures; so does an attempt that ended
    /// without a verdict (only its in-flight count is released).
    fn settle_at(&self, key: &str, succeeded: bool, now: Instant) {
        let mut entries = self.entries();
        let Some(entry) = entries.get_mut(key) else {
            return;
        };
        entry.in_flight = entry.in_flight.saturating_sub(1);
        if succeeded {
            entry.failures = 0;
        }
        if entry.stale(now, self.policy.window) {
            entries.remove(key);
        }
    }

    /// Keeps the map under its capacity: drops stale entries, then the oldest unlocked
    /// ones (evicting a lock would let a flood of made-up e-mails lift it).
    fn make_room(&self, entries: &mut HashMap<String, Entry>, now: Instant) {
        if entries.len() < self.policy.capacity {
            return;
        }
        entries.retain(|_, entry| !entry.stale(now, self.policy.window));
        while entries.len() >= self.policy.capacity {
            let oldest = entries
                .iter()
                .min_by_key(|(_, entry)| {
                    (entry.locked(now), entry.in_flight > 0, entry.window_start)
                })
                .map(|(key, _)| key.clone());
            match oldest {
                Some(key) => entries.remove(&key),
                None => break,
            };
        }
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.entries().len()
    }
}

/// One login attempt in progress; see [`LoginThrottle::begin`].
#[derive(Debug)]
pub struct Attempt<'a> {
    throttle: &'a LoginThrottle,
    key: String,
    settled: bool,
}

impl Attempt<'_> {
    /// The password was wrong (or the account unknown).
    pub fn failed(mut self) {
        self.settled = true;
        self.throttle.fail_at(&self.key, Instant::now());
    }

    /// The password was right: earlier failures are forgotten.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.throttle.settle_at(&self.key, true, Instant::now());
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.throttle.settle_at(&self.key, false, Instant::now());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn throttle(max_failures: u32, capacity: usize) -> LoginThrottle {
        LoginThrottle::new(ThrottlePolicy {
            max_failures,
            window: 60 * SECOND,
            lockout: 10 * SECOND,
            capacity,
        })
    }

    fn fail(throttle: &LoginThrottle, key: &str, now: Instant) -> Result<(), Throttled> {
        throttle.begin_at(key, now)?;
        throttle.fail_at(key, now);
        Ok(())
    }

    #[test]
    fn max_failures_lock_the_email_until_the_lockout_ends() {
        let throttle = throttle(3, 100);
        let t0 = Instant::now();
        for i in 0..3 {
            fail(&throttle, "ada@example.com", t0 + i * SECOND).unwrap();
        }
        let refused = throttle
            .begin_at("ada@example.com", t0 + 3 * SECOND)
            .unwrap_err();
        assert_eq!(refused.retry_after, 9 * SECOND);
        assert!(
            throttle
                .begin_at("bob@example.com", t0 + 3 * SECOND)
                .is_ok()
        );
        assert!(
            throttle
                .begin_at("ada@example.com", t0 + 12 * SECOND)
                .is_ok()
        );
    }

    #[test]
    fn failures_outside_the_window_are_forgotten() {
        let throttle = throttle(3, 100);
        let t0 = Instant::now();
        fail(&throttle, "ada", t0).unwrap();
        fail(&throttle, "ada", t0 + SECOND).unwrap();
        fail(&throttle, "ada", t0 + 61 * SECOND).unwrap();
        fail(&throttle, "ada", t0 + 62 * SECOND).unwrap();
        assert!(throttle.begin_at("ada", t0 + 63 * SECOND).is_ok());
    }

    #[test]
    fn success_forgets_earlier_failures() {
        let throttle = throttle(3, 100);
        let t0 = Instant::now();
        fail(&throttle, "ada", t0).unwrap();
        fail(&throttle, "ada", t0).unwrap();
        throttle.begin_at("ada", t0).unwrap();
        throttle.settle_at("ada", true, t0);
        assert_eq!(throttle.tracked(), 0);
        fail(&throttle, "ada", t0).unwrap();
        fail(&throttle, "ada", t0).unwrap();
        assert!(throttle.begin_at("ada", t0).is_ok());
    }

    #[test]
    fn parallel_attempts_cannot_exceed_the_allowance() {
        let throttle = throttle(3, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            throttle.begin_at("ada", t0).unwrap();
        }
        assert!(throttle.begin_at("ada", t0).is_err());
        throttle.settle_at("ada", false, t0);
        assert!(
            throttle.begin_at("ada", t0).is_ok(),
            "an unsettled attempt is released"
        );
    }

    #[test]
    fn attempts_share_the_count_whatever_the_case_of_the_email() {
        let throttle = throttle(2, 100);
        for email in ["Ada@Example.com", " ada@example.COM "] {
            throttle.begin(email).unwrap().failed();
        }
        assert!(throttle.begin("ada@example.com").is_err());
    }

    #[test]
    fn memory_is_bounded_and_locks_outlive_other_entries() {
        let throttle = throttle(2, 3);
        let t0 = Instant::now();
        fail(&throttle, "locked", t0).unwrap();
        fail(&throttle, "locked", t0).unwrap();
        for i in 0..10 {
            let at = t0 + Duration::from_millis(i + 1);
            fail(&throttle, &format!("guess-{i}"), at).unwrap();
            assert!(throttle.tracked() <= 3);
        }
        assert!(throttle.begin_at("locked", t0 + SECOND).is_err());
    }
}
