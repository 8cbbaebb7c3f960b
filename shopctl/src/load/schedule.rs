//! When iterations run: open loop (at a fixed rate, whatever the answers) or closed
//! loop (a fixed number of workers, each starting its next iteration when the last
//! one ends).
//!
//! Open loop hands every iteration the instant it was *scheduled* for, so latency is
//! measured from there: a slow server then shows as high latency instead of silently
//! lowering the rate (no coordinated omission). In-flight iterations are capped; one
//! due while the cap is reached is dropped and counted.

use std::future::Future;
use std::ops::Range;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio_util::task::TaskTracker;

use super::stats::Recorder;

/// The open-loop plan: iteration `n` is due at `start + n / rate`, for `duration`.
#[derive(Debug, Clone, Copy)]
pub struct OpenSchedule {
    start: Instant,
    rate: f64,
    total: u64,
}

impl OpenSchedule {
    /// `rate` iterations per second (must be positive) from `start` for `duration`.
    pub fn new(start: Instant, rate: f64, duration: Duration) -> Self {
        // Saturating float-to-int conversion: a rate times a duration far beyond u64
        // is not a plan anyone runs.
        let total = (duration.as_secs_f64() * rate).floor() as u64;
        Self { start, rate, total }
    }

    /// How many iterations the plan has.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// When iteration `n` is due.
    pub fn due_at(&self, n: u64) -> Instant {
        self.start + Duration::from_secs_f64(n as f64 / self.rate)
    }

    /// The iterations from `next` on that are due by `now` (never past the end).
    pub fn due_by(&self, next: u64, now: Instant) -> Range<u64> {
        let elapsed = now.saturating_duration_since(self.start).as_secs_f64();
        let mut end = ((elapsed * self.rate).floor() as u64)
            .saturating_add(1)
            .clamp(next, self.total);
        // Settle rounding at the boundary so that `n` is in the range exactly when
        // `due_at(n) <= now`.
        while end < self.total && self.due_at(end) <= now {
            end += 1;
        }
        while end > next && self.due_at(end - 1) > now {
            end -= 1;
        }
        next..end
    }
}

/// Time as the open-loop dispatcher sees it.
pub trait Clock: Send + 'static {
    fn now(&self) -> Instant;
    /// Blocks the calling thread until `deadline`.
    fn sleep_until(&self, deadline: Instant);
}

/// The real clock. The dispatcher sleeps on a thread of its own: tokio's timer has a
/// millisecond granularity, which would add up to a millisecond of made-up latency to
/// every request scheduled between two ticks.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }

    fn sleep_until(&self, deadline: Instant) {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
    }
}

/// The dispatcher wakes at most once per tick. At high rates, waking for every
/// iteration (every 65 µs at 15,000/s) cost the load generator more CPU than the
/// requests themselves, CPU the servers it measures share; a tick adds at most its
/// length to the latency of an iteration (counted, from the scheduled instant).
const DISPATCH_TICK: Duration = Duration::from_micros(200);

/// Calls `launch(due_at(n))` for every iteration of the schedule as soon as it is due,
/// waking at most once per [`DISPATCH_TICK`] (and handing out all that are due then).
fn dispatch(schedule: &OpenSchedule, clock: &impl Clock, mut launch: impl FnMut(Instant)) {
    let mut next = 0;
    let mut woke: Option<Instant> = None;
    while next < schedule.total() {
        let due_next = schedule.due_at(next);
        clock.sleep_until(woke.map_or(due_next, |woke| due_next.max(woke + DISPATCH_TICK)));
        let now = clock.now();
        woke = Some(now);
        let due = schedule.due_by(next, now);
        for n in due.clone() {
            launch(schedule.due_at(n));
        }
        next = due.end;
    }
}

/// Runs `iteration(scheduled_at)` as the schedule says, at most `max_in_flight` at a
/// time, and waits for the last one to end.
pub async fn run_open<F, Fut>(
    schedule: OpenSchedule,
    max_in_flight: usize,
    recorder: Arc<Recorder>,
    iteration: F,
) where
    F: Fn(Instant) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_open_with(SystemClock, schedule, max_in_flight, recorder, iteration).await;
}

/// [`run_open`] on `clock`.
async fn run_open_with<F, Fut>(
    clock: impl Clock,
    schedule: OpenSchedule,
    max_in_flight: usize,
    recorder: Arc<Recorder>,
    iteration: F,
) where
    F: Fn(Instant) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Handle::current();
    let permits = Arc::new(Semaphore::new(max_in_flight));
    let tasks = TaskTracker::new();
    let tracker = tasks.clone();
    let dispatcher = tokio::task::spawn_blocking(move || {
        dispatch(&schedule, &clock, |scheduled| {
            let Ok(permit) = permits.clone().try_acquire_owned() else {
                recorder.dropped();
                return;
            };
            let work = iteration(scheduled);
            let recorder = recorder.clone();
            tracker.spawn_on(
                async move {
                    let _counted = recorder.in_flight();
                    work.await;
                    drop(permit);
                },
                &runtime,
            );
        });
    });
    // The dispatcher only panics if an iteration's constructor does; what it launched
    // before is still waited for.
    let _ = dispatcher.await;
    tasks.close();
    tasks.wait().await;
}

/// Runs `workers` loops of `iteration(started_at)` back to back until `until`, and
/// waits for the last iteration to end.
pub async fn run_closed<F, Fut>(
    workers: usize,
    until: Instant,
    recorder: Arc<Recorder>,
    iteration: F,
) where
    F: Fn(Instant) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let until = tokio::time::Instant::from_std(until);
    let tasks = TaskTracker::new();
    for _ in 0..workers {
        let iteration = iteration.clone();
        let recorder = recorder.clone();
        tasks.spawn(async move {
            loop {
                let now = tokio::time::Instant::now();
                if now >= until {
                    break;
                }
                let _counted = recorder.in_flight();
                iteration(now.into_std()).await;
            }
        });
    }
    tasks.close();
    tasks.wait().await;
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::load::stats::Live;

    fn recorder() -> Arc<Recorder> {
        Arc::new(Recorder::new().expect("valid histogram bounds"))
    }

    #[test]
    fn iterations_are_due_at_fixed_intervals() {
        let start = Instant::now();
        let schedule = OpenSchedule::new(start, 200.0, Duration::from_secs(2));
        assert_eq!(schedule.total(), 400);
        assert_eq!(schedule.due_at(0), start);
        assert_eq!(schedule.due_at(1), start + Duration::from_millis(5));
        assert_eq!(schedule.due_at(200), start + Duration::from_secs(1));
    }

    #[test]
    fn everything_due_is_handed_out_at_once_when_behind() {
        let start = Instant::now();
        let schedule = OpenSchedule::new(start, 1000.0, Duration::from_secs(1));
        assert_eq!(schedule.due_by(0, start), 0..1);
        // 10 ms late: iterations 1..=10 are all due now.
        assert_eq!(schedule.due_by(1, start + Duration::from_millis(10)), 1..11);
        // Between two due instants nothing new is due.
        let between = start + Duration::from_micros(10_500);
        assert_eq!(schedule.due_by(11, between), 11..11);
    }

    #[test]
    fn nothing_is_due_past_the_end() {
        let start = Instant::now();
        let schedule = OpenSchedule::new(start, 10.0, Duration::from_secs(1));
        assert_eq!(schedule.due_by(3, start + Duration::from_secs(60)), 3..10);
        assert_eq!(schedule.due_by(10, start + Duration::from_secs(60)), 10..10);
    }

    #[test]
    fn an_iteration_is_due_exactly_at_its_instant() {
        let start = Instant::now();
        let schedule = OpenSchedule::new(start, 3.0, Duration::from_secs(10));
        for n in 1..30 {
            let at = schedule.due_at(n);
            assert_eq!(schedule.due_by(n, at), n..n + 1, "iteration {n}");
            let just_before = at - Duration::from_nanos(1);
            assert_eq!(schedule.due_by(n, just_before), n..n, "iteration {n}");
        }
    }

    /// A clock whose sleeps end at once, `lag` after their deadline.
    struct FakeClock {
        now: Mutex<Instant>,
        lag: Duration,
        sleeps: Mutex<u64>,
    }

    impl FakeClock {
        fn new(lag: Duration) -> Self {
            Self {
                now: Mutex::new(Instant::now()),
                lag,
                sleeps: Mutex::new(0),
            }
        }

        fn sleeps(&self) -> u64 {
            *self.sleeps.lock().expect("not poisoned")
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            *self.now.lock().expect("not poisoned")
        }

        fn sleep_until(&self, deadline: Instant) {
            *self.sleeps.lock().expect("not poisoned") += 1;
            let mut now = self.now.lock().expect("not poisoned");
            *now = (*now).max(deadline + self.lag);
        }
    }

    #[test]
    fn at_high_rates_the_dispatcher_wakes_once_a_tick_and_launches_all_that_is_due() {
        let clock = FakeClock::new(Duration::ZERO);
        // 100,000 a second for 10 ms: one due every 10 µs, 20 per tick.
        let schedule = OpenSchedule::new(clock.now(), 100_000.0, Duration::from_millis(10));
        let mut launched = Vec::new();
        dispatch(&schedule, &clock, |scheduled| launched.push(scheduled));
        let expected: Vec<_> = (0..1000).map(|n| schedule.due_at(n)).collect();
        assert_eq!(launched, expected);
        let ticks = (Duration::from_millis(10).as_micros() / DISPATCH_TICK.as_micros()) as u64;
        assert!(
            clock.sleeps() <= ticks + 1,
            "{} wake-ups for {ticks} ticks",
            clock.sleeps()
        );
    }

    #[test]
    fn at_low_rates_the_dispatcher_wakes_for_each_iteration_on_time() {
        let clock = FakeClock::new(Duration::ZERO);
        let schedule = OpenSchedule::new(clock.now(), 100.0, Duration::from_secs(1));
        let mut late = Vec::new();
        dispatch(&schedule, &clock, |scheduled| {
            late.push(clock.now() - scheduled);
        });
        assert_eq!(late.len(), 100);
        assert!(late.iter().all(Duration::is_zero), "{late:?}");
        assert_eq!(clock.sleeps(), 100);
    }

    #[test]
    fn a_late_dispatcher_launches_everything_due_with_its_scheduled_instant() {
        let clock = FakeClock::new(Duration::from_millis(25));
        let schedule = OpenSchedule::new(clock.now(), 1000.0, Duration::from_secs(1));
        let mut launched = Vec::new();
        dispatch(&schedule, &clock, |scheduled| launched.push(scheduled));
        let expected: Vec<_> = (0..1000).map(|n| schedule.due_at(n)).collect();
        assert_eq!(launched, expected);
    }

    #[tokio::test]
    async fn open_loop_hands_each_iteration_its_scheduled_instant() {
        let clock = FakeClock::new(Duration::ZERO);
        let schedule = OpenSchedule::new(clock.now(), 100.0, Duration::from_secs(1));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        run_open_with(clock, schedule, 1000, recorder(), move |scheduled| {
            let record = record.clone();
            async move { record.lock().expect("not poisoned").push(scheduled) }
        })
        .await;
        let mut seen = seen.lock().expect("not poisoned").clone();
        seen.sort();
        let expected: Vec<_> = (0..100).map(|n| schedule.due_at(n)).collect();
        assert_eq!(seen, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn open_loop_drops_what_exceeds_the_in_flight_cap() {
        let recorder = recorder();
        let clock = FakeClock::new(Duration::ZERO);
        let schedule = OpenSchedule::new(clock.now(), 100.0, Duration::from_secs(1));
        let started = Arc::new(Mutex::new(0));
        let count = started.clone();
        run_open_with(clock, schedule, 10, recorder.clone(), move |_| {
            let count = count.clone();
            async move {
                *count.lock().expect("not poisoned") += 1;
                tokio::time::sleep(Duration::from_secs(10)).await;
            }
        })
        .await;
        assert_eq!(*started.lock().expect("not poisoned"), 10);
        assert_eq!(Live::get(&recorder.live.dropped), 90);
        assert_eq!(recorder.snapshot().dropped, 90);
        assert_eq!(Live::get(&recorder.live.in_flight), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn closed_loop_workers_run_back_to_back_until_the_end() {
        let iterations = Arc::new(Mutex::new(0));
        let count = iterations.clone();
        let until = tokio::time::Instant::now().into_std() + Duration::from_secs(1);
        run_closed(3, until, recorder(), move |_| {
            let count = count.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(100)).await;
                *count.lock().expect("not poisoned") += 1;
            }
        })
        .await;
        assert_eq!(*iterations.lock().expect("not poisoned"), 30);
    }
}
