//! Following the orders `buy` placed until they are confirmed: each accepted order is
//! polled (`GET /orders/:id`) until it is confirmed, shipped or cancelled. The
//! accepted → confirmed latency is read from the order itself, from its `createdAt` to
//! its `confirmedAt` (one clock, the orders service's, so polling neither adds to it
//! nor limits its resolution); the time from the checkout's 201 to the first poll that
//! sees it confirmed is kept too, as what a client polling this often sees. When the
//! run's grace period ends, every order still followed is looked at once more; those
//! still pending then are lost.
//!
//! Polling is bounded, so that following orders cannot become the load: one order is
//! polled every `poll_interval` for its first [`FAST_POLLS`] polls, then ever less
//! often; all orders together are polled at most `budget` times a second, and at most
//! [`MAX_CONCURRENT_POLLS`] polls are in flight. Under that bound, the latency's
//! resolution coarsens when very many orders are pending at once.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use tokio::sync::Semaphore;
use tokio::time::sleep_until;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::client::{Call, Endpoint, ShopClient};
use super::stats::Recorder;

/// Polls at the full rate; at 10 ms that is the first 200 ms of an order.
const FAST_POLLS: u32 = 20;
/// Later polls come 1.5 times further apart each, up to this.
const MAX_POLL_DELAY: Duration = Duration::from_millis(500);
/// Order polls in flight at most.
const MAX_CONCURRENT_POLLS: usize = 64;

/// The wait before poll number `attempt` (0-based) of one order.
pub fn poll_delay(interval: Duration, attempt: u32) -> Duration {
    let Some(slow) = attempt.checked_sub(FAST_POLLS - 1) else {
        return interval;
    };
    let factor = 1.5_f64.powi(i32::try_from(slow).unwrap_or(i32::MAX));
    let delay = interval.as_secs_f64() * factor;
    Duration::from_secs_f64(delay.min(MAX_POLL_DELAY.as_secs_f64())).max(interval)
}

/// Spaces all polls at least `1 / per_second` apart.
#[derive(Debug)]
pub struct PollBudget {
    next: Mutex<Instant>,
    spacing: Duration,
}

impl PollBudget {
    /// `per_second` polls at most (must be positive).
    pub fn new(per_second: f64) -> Self {
        Self {
            next: Mutex::new(Instant::now()),
            spacing: Duration::from_secs_f64(1.0 / per_second),
        }
    }

    /// Reserves the first free slot at or after `wanted`, and returns it.
    pub fn reserve(&self, wanted: Instant) -> Instant {
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = (*next).max(wanted);
        *next = slot + self.spacing;
        slot
    }
}

/// An order the checkout accepted.
#[derive(Debug, Clone, Copy)]
pub struct Accepted {
    /// When its 201 arrived.
    pub answered: Instant,
    /// Its `createdAt`, as the orders service recorded it.
    pub created_at: Option<OffsetDateTime>,
}

impl Accepted {
    /// From creation to `confirmed_at`, both as the orders service recorded them; `None`
    /// without both, or if they are out of order.
    pub fn recorded_until(&self, confirmed_at: Option<OffsetDateTime>) -> Option<Duration> {
        let elapsed = confirmed_at? - self.created_at?;
        Duration::try_from(elapsed).ok()
    }
}

/// Where an order is, as far as the load generator cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Pending,
    Confirmed,
    Cancelled,
}

impl Progress {
    /// Reads the API's order status; `shipped` and `delivered` imply confirmed.
    pub fn of(status: Option<&str>) -> Self {
        match status {
            Some("confirmed" | "shipped" | "delivered") => Progress::Confirmed,
            Some("cancelled") => Progress::Cancelled,
            _ => Progress::Pending,
        }
    }
}

/// The orders being followed.
pub struct OrderWatch {
    poller: Arc<Poller>,
    tasks: TaskTracker,
}

/// What following one order needs.
struct Poller {
    client: ShopClient,
    recorder: Arc<Recorder>,
    poll_interval: Duration,
    budget: PollBudget,
    polls: Semaphore,
    give_up: CancellationToken,
}

impl OrderWatch {
    /// Polls each order every `poll_interval` at first, all of them `budget` times a
    /// second at most.
    pub fn new(
        client: ShopClient,
        recorder: Arc<Recorder>,
        poll_interval: Duration,
        budget: f64,
    ) -> Self {
        Self {
            poller: Arc::new(Poller {
                client,
                recorder,
                poll_interval,
                budget: PollBudget::new(budget),
                polls: Semaphore::new(MAX_CONCURRENT_POLLS),
                give_up: CancellationToken::new(),
            }),
            tasks: TaskTracker::new(),
        }
    }

    /// Starts following order `id` of the user with `token`.
    pub fn follow(&self, id: String, token: String, accepted: Accepted) {
        self.poller.recorder.order_accepted();
        let poller = self.poller.clone();
        self.tasks
            .spawn(async move { poller.follow(&id, &token, accepted).await });
    }

    /// Waits until every followed order is confirmed or cancelled, or `grace` has
    /// passed; then looks at each order still followed once more.
    pub async fn settle(&self, grace: Duration) {
        self.tasks.close();
        tokio::select! {
            () = self.tasks.wait() => {}
            () = tokio::time::sleep(grace) => self.poller.give_up.cancel(),
        }
        self.tasks.wait().await;
    }
}

impl Poller {
    /// Polls the order until it is confirmed or cancelled, and records which; once
    /// told to give up, polls it one last time (outside the budget).
    async fn follow(&self, id: &str, token: &str, accepted: Accepted) {
        let path = format!("/orders/{id}");
        for attempt in 0.. {
            let slot = self
                .budget
                .reserve(Instant::now() + poll_delay(self.poll_interval, attempt));
            let permit = tokio::select! {
                () = self.give_up.cancelled() => break,
                permit = async {
                    sleep_until(slot.into()).await;
                    self.polls.acquire().await
                } => permit,
            };
            let Ok(_permit) = permit else {
                return;
            };
            if self.poll(&path, token, accepted).await {
                return;
            }
        }
        // The grace period is over: the last word on this order.
        let Ok(_permit) = self.polls.acquire().await else {
            return;
        };
        self.poll(&path, token, accepted).await;
    }

    /// One poll; whether the order reached a final state (and was recorded so).
    async fn poll(&self, path: &str, token: &str, accepted: Accepted) -> bool {
        let call = Call::new(Endpoint::GetOrder, path).token(token).decoded();
        let sent = Instant::now();
        let reply = match self.client.send(call).await {
            Ok(reply) => reply,
            Err(failure) => {
                self.recorder.failure(Endpoint::GetOrder, failure);
                return false;
            }
        };
        self.recorder.success(Endpoint::GetOrder, sent.elapsed());
        match Progress::of(reply.data_str("/status")) {
            Progress::Confirmed => {
                let recorded = accepted.recorded_until(reply.data_time("/confirmedAt"));
                self.recorder
                    .order_confirmed(accepted.answered.elapsed(), recorded);
                true
            }
            Progress::Cancelled => {
                self.recorder.order_cancelled();
                true
            }
            Progress::Pending => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_and_delivered_orders_count_as_confirmed() {
        assert_eq!(Progress::of(Some("confirmed")), Progress::Confirmed);
        assert_eq!(Progress::of(Some("shipped")), Progress::Confirmed);
        assert_eq!(Progress::of(Some("delivered")), Progress::Confirmed);
        assert_eq!(Progress::of(Some("cancelled")), Progress::Cancelled);
        assert_eq!(Progress::of(Some("pending")), Progress::Pending);
        assert_eq!(Progress::of(None), Progress::Pending);
    }

    #[test]
    fn polls_slow_down_after_the_fast_ones_up_to_a_cap() {
        let interval = Duration::from_millis(10);
        for attempt in 0..FAST_POLLS {
            assert_eq!(poll_delay(interval, attempt), interval, "poll {attempt}");
        }
        assert_eq!(poll_delay(interval, FAST_POLLS), Duration::from_millis(15));
        assert_eq!(
            poll_delay(interval, FAST_POLLS + 1),
            Duration::from_micros(22_500)
        );
        assert_eq!(poll_delay(interval, FAST_POLLS + 40), MAX_POLL_DELAY);
        assert_eq!(poll_delay(interval, u32::MAX), MAX_POLL_DELAY);
    }

    #[test]
    fn the_budget_spaces_polls_that_want_the_same_instant() {
        let budget = PollBudget::new(100.0);
        let now = Instant::now() + Duration::from_secs(1);
        let ms = Duration::from_millis;
        assert_eq!(budget.reserve(now), now);
        assert_eq!(budget.reserve(now), now + ms(10));
        assert_eq!(budget.reserve(now + ms(5)), now + ms(20));
        // A poll wanted after the queue has drained is not delayed.
        assert_eq!(budget.reserve(now + ms(100)), now + ms(100));
    }

    #[test]
    fn the_recorded_latency_needs_both_times_in_order() {
        let created = OffsetDateTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let accepted = Accepted {
            answered: Instant::now(),
            created_at: Some(created),
        };
        let later = created + Duration::from_millis(42);
        assert_eq!(
            accepted.recorded_until(Some(later)),
            Some(Duration::from_millis(42))
        );
        assert_eq!(accepted.recorded_until(None), None);
        let earlier = created - Duration::from_millis(1);
        assert_eq!(accepted.recorded_until(Some(earlier)), None);
        let unknown = Accepted {
            created_at: None,
            ..accepted
        };
        assert_eq!(unknown.recorded_until(Some(later)), None);
    }

    #[test]
    fn a_poll_interval_above_the_cap_is_kept() {
        let slow = Duration::from_secs(1);
        assert_eq!(poll_delay(slow, FAST_POLLS + 5), slow);
    }
}
