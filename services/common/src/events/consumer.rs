//! The consumer-group loop every event consumer runs.
//!
//! At-least-once: a message's offset is stored only after its handler succeeded (or it
//! went to the dead-letter topic), and stored offsets are committed in the background
//! and once more on shutdown. Handlers must therefore be idempotent.
//!
//! Messages are handled concurrently (up to [`MAX_RUNNING`] at once), but those with
//! the same key (the order id) one after the other, in the order of their partition.
//! A partition's offset only moves past messages that are all finished, so a crash
//! redelivers every message whose effect may be missing (and maybe a few finished
//! ones, which idempotent handlers ignore).
//!
//! A message that cannot be parsed, or that its handler refuses for good, goes to
//! `<topic>.dlq` with the error in a header, so it never blocks its partition. A
//! transient failure (a database or service down) is retried with backoff instead:
//! skipping it would lose the event.

mod flow;
mod handling;
mod pace;
mod progress;

use std::collections::VecDeque;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Message, OwnedMessage};
use rdkafka::{Offset, TopicPartitionList};
use tokio_util::sync::CancellationToken;

use self::flow::{FetchGate, ReceiveErrors};
use self::handling::Outcome;
pub use self::pace::{BACKGROUND_FETCH_WAIT, FetchPace, PROMPT_FETCH_WAIT};
use self::progress::{KeyQueues, Lane, Offsets, TopicPartition};
use super::envelope::{Event, EventType};
use super::kafka::KafkaConfig;
use super::producer::EventProducer;

/// Handlers running at once. Each may hold a database connection: keep it below the
/// services' pool size.
pub const MAX_RUNNING: usize = 16;
/// Messages received and not finished (running, or waiting behind their key or for a
/// free handler) at which fetching pauses: bounds memory when a message is retried
/// for long.
const MAX_UNFINISHED: usize = 512;
/// Why a handler did not process an event.
#[derive(Debug, thiserror::Error)]
pub enum HandleError {
    /// Worth retrying: a dependency is down or timed out.
    #[error("transient failure: {0}")]
    Transient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Will never succeed: the event goes to the dead-letter topic.
    #[error("rejected: {0}")]
    Permanent(String),
}

/// Processes one event. Called again for a redelivered event: make the effect idempotent.
/// Called concurrently for events of different keys.
pub trait EventHandler: Send + Sync {
    fn handle(&self, event: &Event) -> impl Future<Output = Result<(), HandleError>> + Send;
}

/// A consumer in a consumer group, with a producer for its dead-letter topics.
pub struct EventConsumer {
    consumer: StreamConsumer,
    dlq: EventProducer,
    group_id: String,
}
/// A service's event loop: what it consumes, in which group, which topics must exist,
/// and what handles the events.
pub struct Consumer<H> {
    pub kafka: KafkaConfig,
    /// Consumer group name (put under the topic prefix).
    pub group: &'static str,
    /// Topics to consume.
    pub consume: Vec<String>,
    /// Topics to create first (what it consumes and produces, and dead-letter topics).
    pub ensure: Vec<String>,
    /// How soon a new event reaches the handler.
    pub pace: FetchPace,
    pub handler: H,
}

impl<H> Consumer<H> {
    /// A service's consumer of `consumed` in `group`, which makes sure the topics it
    /// consumes (with their dead-letter topics) and those it produces exist.
    pub fn of_events(
        kafka: KafkaConfig,
        group: &'static str,
        (consumed, produced): (&[EventType], &[EventType]),
        pace: FetchPace,
        handler: H,
    ) -> Self {
        Self {
            consume: consumed.iter().map(|t| kafka.topic(*t)).collect(),
            ensure: kafka.topics_for(consumed, produced),
            kafka,
            group,
            pace,
            handler,
        }
    }
}

impl<H: EventHandler + 'static> Consumer<H> {
    /// Creates the topics (waiting for the broker if it is down, so the service starts
    /// and serves meanwhile), joins the group, and consumes until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), KafkaError> {
        if !super::kafka::ensure_topics_until_ready(&self.kafka, &self.ensure, &shutdown).await {
            return Ok(());
        }
        let group = self.kafka.group(self.group);
        let fetch_wait = self.pace.fetch_wait(&self.kafka);
        let consumer =
            EventConsumer::subscribe_with(&self.kafka, &group, &self.consume, fetch_wait)?;
        tracing::info!(%group, topics = ?self.consume, "consuming");
        consumer.run(&self.handler, shutdown).await
    }

    /// For services whose work is consuming: serves gRPC health checks and metrics
    /// on `server` while the loop runs, and stops the loop when the server stops.
    pub async fn run_beside(
        self,
        server: crate::server::GrpcServer,
        shutdown: CancellationToken,
    ) -> Result<(), crate::server::ServerError> {
        let stop = shutdown.child_token();
        let consumer = self.spawn(stop.clone());
        let served = server
            .serve(tonic::service::Routes::default(), &[], shutdown)
            .await;
        stop.cancel();
        if let Err(error) = consumer.await {
            tracing::error!(%error, "the event consumer panicked");
        }
        served
    }

    /// Runs the loop as a task; a failure to start is logged.
    pub fn spawn(self, shutdown: CancellationToken) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            if let Err(error) = self.run(shutdown).await {
                tracing::error!(%error, "the event consumer stopped");
            }
        })
    }
}

/// Messages received and not finished: their offsets, the keys in progress with the
/// messages waiting behind them, and the messages ready to start.
#[derive(Default)]
struct InFlight {
    offsets: Offsets,
    keys: KeyQueues<Lane, OwnedMessage>,
    ready: VecDeque<OwnedMessage>,
}

impl InFlight {
    fn receive(&mut self, message: OwnedMessage) {
        self.offsets
            .received(&TopicPartition::of(&message), message.offset());
        if let Some(message) = self.keys.admit(&Lane::of(&message), message) {
            self.ready.push_back(message);
        }
    }

    /// Marks `message` finished; returns where its partition may be committed.
    fn finish(&mut self, message: &OwnedMessage) -> Option<(TopicPartition, i64)> {
        if let Some(next) = self.keys.release(&Lane::of(message)) {
            self.ready.push_back(next);
        }
        let at = TopicPartition::of(message);
        let next = self.offsets.finished(&at, message.offset())?;
        Some((at, next))
    }
}

impl EventConsumer {
    /// Joins `group_id` and subscribes to `topics`, fetching with [`PROMPT_FETCH_WAIT`].
    pub fn subscribe(
        config: &KafkaConfig,
        group_id: &str,
        topics: &[String],
    ) -> Result<Self, KafkaError> {
        Self::subscribe_with(config, group_id, topics, PROMPT_FETCH_WAIT)
    }

    /// Joins `group_id` and subscribes to `topics`; the broker holds an empty fetch
    /// `fetch_wait` at most.
    pub fn subscribe_with(
        config: &KafkaConfig,
        group_id: &str,
        topics: &[String],
        fetch_wait: Duration,
    ) -> Result<Self, KafkaError> {
        let consumer: StreamConsumer = config
            .client_config()
            .set("group.id", group_id)
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            // The rebalance timeout (max.poll.interval.ms) bounds how long a rebalance
            // waits for members that do not rejoin: a SIGKILLed member's partitions
            // must go to its replacement within seconds, not the 5 min default.
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .set("max.poll.interval.ms", "10000")
            .set("fetch.wait.max.ms", fetch_wait.as_millis().to_string())
            .create()?;
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
        Ok(Self {
            consumer,
            dlq: EventProducer::new(config)?,
            group_id: group_id.to_owned(),
        })
    }

    /// Consumes until `shutdown` is cancelled, lets the running handlers finish (those
    /// waiting to retry stop at once), then commits what was processed.
    pub async fn run<H: EventHandler>(
        self,
        handler: &H,
        shutdown: CancellationToken,
    ) -> Result<(), KafkaError> {
        let mut flight = InFlight::default();
        let mut running = FuturesUnordered::new();
        let mut messages = self.consumer.stream();
        let mut gate = FetchGate::new(MAX_UNFINISHED);
        let mut errors = ReceiveErrors::default();
        loop {
            while running.len() < MAX_RUNNING
                && let Some(message) = flight.ready.pop_front()
            {
                running.push(self.process(message, handler, &shutdown));
            }
            gate.update(&self.consumer, flight.offsets.unfinished());
            tokio::select! {
                () = shutdown.cancelled() => break,
                Some((message, outcome)) = running.next() => {
                    self.finish(&mut flight, &message, outcome);
                }
                // Polled all the time, even after errors: see `flow`.
                received = messages.next() => match received {
                    Some(Ok(message)) => flight.receive(message.detach()),
                    Some(Err(error)) => errors.record(&error, &self.group_id),
                    None => break,
                },
            }
        }
        while let Some((message, outcome)) = running.next().await {
            self.finish(&mut flight, &message, outcome);
        }
        self.commit_on_shutdown();
        Ok(())
    }

    /// Counts the outcome and stores the offset the partition may now be committed at.
    /// An interrupted message stays unfinished: it is redelivered.
    fn finish(&self, flight: &mut InFlight, message: &OwnedMessage, outcome: Outcome) {
        let label = match outcome {
            Outcome::Interrupted => return,
            Outcome::Handled => "handled",
            Outcome::DeadLettered => "dead_lettered",
        };
        let topic = message.topic().to_owned();
        if let Some(age) = age(message, SystemTime::now()) {
            metrics::histogram!("events_handled_after_seconds", "topic" => topic.clone())
                .record(age.as_secs_f64());
        }
        metrics::counter!("events_consumed_total", "topic" => topic, "outcome" => label)
            .increment(1);
        if let Some((at, next)) = flight.finish(message) {
            self.store_offset(&at, next);
        }
    }

    /// Stores `next` as the partition's position for the next commit. It fails when
    /// the partition was revoked meanwhile: its new owner redelivers from the last
    /// commit, which idempotent handlers ignore.
    fn store_offset(&self, at: &TopicPartition, next: i64) {
        let mut position = TopicPartitionList::new();
        let stored = position
            .add_partition_offset(&at.topic, at.partition, Offset::Offset(next))
            .and_then(|()| self.consumer.store_offsets(&position));
        if let Err(error) = stored {
            tracing::warn!(%error, topic = %at.topic, partition = at.partition, group = %self.group_id, "cannot store the offset");
        }
    }

    fn commit_on_shutdown(&self) {
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => tracing::info!(group = %self.group_id, "offsets committed"),
            // Nothing stored since the last commit is not a failure.
            Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => tracing::warn!(%error, group = %self.group_id, "final commit failed"),
        }
    }
}

/// From the record's timestamp (set by its producer when it was sent) until `now`:
/// how long the event took to be delivered and handled. `None` without a timestamp.
fn age(message: &impl Message, now: SystemTime) -> Option<Duration> {
    let millis = u64::try_from(message.timestamp().to_millis()?).ok()?;
    let produced = UNIX_EPOCH + Duration::from_millis(millis);
    // A producer's clock ahead of ours counts as no delay, not as an error.
    Some(now.duration_since(produced).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use rdkafka::Timestamp;
    use rdkafka::message::OwnedMessage;

    use super::*;

    fn record(timestamp: Timestamp) -> OwnedMessage {
        OwnedMessage::new(None, None, "orders".to_owned(), timestamp, 0, 0, None)
    }

    #[test]
    fn the_age_counts_from_the_producers_timestamp() {
        let now = UNIX_EPOCH + Duration::from_millis(10_000);
        let sent = record(Timestamp::CreateTime(8_500));
        assert_eq!(age(&sent, now), Some(Duration::from_millis(1_500)));
        let ahead = record(Timestamp::CreateTime(10_250));
        assert_eq!(age(&ahead, now), Some(Duration::ZERO));
        assert_eq!(age(&record(Timestamp::NotAvailable), now), None);
    }
}
