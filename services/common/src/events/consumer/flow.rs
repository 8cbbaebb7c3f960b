//! Flow control that keeps the consumer in its group.
//!
//! librdkafka counts the time between two polls against `max.poll.interval.ms`, and it
//! serves rebalances (revoking, rejoining) only when polled. A loop that stops polling
//! while it is busy or after an error therefore leaves the group, and rejoins only as
//! slowly as it polls. So the loop polls all the time, and holds messages back by
//! pausing its partitions' fetching instead.
//!
//! Nor does it pause after a receive error: during a broker outage librdkafka queues
//! an error event per failed connection, hundreds of them, in front of the rebalance
//! events of its recovery; draining them one per second delayed the rejoin by a
//! minute. The errors are only logged, at most once per [`ERROR_LOG_INTERVAL`].

use std::time::Duration;

use rdkafka::consumer::{Consumer as _, StreamConsumer};
use rdkafka::error::KafkaError;
use tokio::time::Instant;

/// How often receive errors are logged while they last.
const ERROR_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Pauses fetching when `limit` messages are unfinished, and resumes it once half of
/// them are done.
pub(super) struct FetchGate {
    limit: usize,
    paused: bool,
}

impl FetchGate {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            paused: false,
        }
    }

    /// Whether fetching should be paused with `unfinished` messages in progress.
    fn wants_pause(&self, unfinished: usize) -> bool {
        if self.paused {
            unfinished > self.limit / 2
        } else {
            unfinished >= self.limit
        }
    }

    /// Pauses or resumes the consumer's assigned partitions as `unfinished` requires.
    pub(super) fn update(&mut self, consumer: &StreamConsumer, unfinished: usize) {
        let pause = self.wants_pause(unfinished);
        if pause == self.paused {
            return;
        }
        match set_fetching(consumer, !pause) {
            Ok(()) => {
                self.paused = pause;
                tracing::debug!(unfinished, paused = pause, "event fetching");
            }
            Err(error) => tracing::warn!(%error, "cannot pause or resume fetching"),
        }
    }
}

fn set_fetching(consumer: &StreamConsumer, fetching: bool) -> Result<(), KafkaError> {
    let assignment = consumer.assignment()?;
    if fetching {
        consumer.resume(&assignment)
    } else {
        consumer.pause(&assignment)
    }
}

/// Logs receive errors (librdkafka recovers from them by itself), at most once per
/// [`ERROR_LOG_INTERVAL`], with the count of those not logged.
#[derive(Default)]
pub(super) struct ReceiveErrors {
    last_logged: Option<Instant>,
    unlogged: u64,
}

impl ReceiveErrors {
    pub(super) fn record(&mut self, error: &KafkaError, group: &str) {
        let now = Instant::now();
        if self
            .last_logged
            .is_some_and(|at| now.duration_since(at) < ERROR_LOG_INTERVAL)
        {
            self.unlogged += 1;
            return;
        }
        tracing::warn!(%error, group, more_since_last = self.unlogged, "kafka receive failed");
        self.last_logged = Some(now);
        self.unlogged = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_at_the_limit_and_resumes_at_half_of_it() {
        let mut gate = FetchGate::new(8);
        assert!(!gate.wants_pause(7));
        assert!(gate.wants_pause(8));
        gate.paused = true;
        assert!(gate.wants_pause(5));
        assert!(!gate.wants_pause(4));
    }
}
