//! The consumer-group loop every event consumer runs.
//!
//! At-least-once: a message's offset is stored only after its handler succeeded (or it
//! went to the dead-letter topic), and stored offsets are committed in the background
//! and once more on shutdown. Handlers must therefore be idempotent.
//!
//! A message that cannot be parsed, or that its handler refuses for good, goes to
//! `<topic>.dlq` with the error in a header, so it never blocks its partition. A
//! transient failure (a database or service down) is retried with backoff instead:
//! skipping it would lose the event.

use std::future::Future;
use std::time::Duration;

use rdkafka::consumer::{CommitMode, Consumer as _, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{BorrowedMessage, Message};
use tokio_util::sync::CancellationToken;

use super::envelope::Event;
use super::kafka::{EventProducer, KafkaConfig};
use crate::backoff::Backoff;

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
    pub handler: H,
}

impl<H: EventHandler + 'static> Consumer<H> {
    /// Creates the topics (waiting for the broker if it is down, so the service starts
    /// and serves meanwhile), joins the group, and consumes until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), KafkaError> {
        if !super::kafka::ensure_topics_until_ready(&self.kafka, &self.ensure, &shutdown).await {
            return Ok(());
        }
        let group = self.kafka.group(self.group);
        let consumer = EventConsumer::subscribe(&self.kafka, &group, &self.consume)?;
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

/// What became of one message.
enum Outcome {
    Handled,
    DeadLettered,
    /// Shutdown came first: the offset is not stored, the message will be redelivered.
    Interrupted,
}

impl EventConsumer {
    /// Joins `group_id` and subscribes to `topics`.
    pub fn subscribe(
        config: &KafkaConfig,
        group_id: &str,
        topics: &[String],
    ) -> Result<Self, KafkaError> {
        let consumer: StreamConsumer = config
            .client_config()
            .set("group.id", group_id)
            .set("enable.auto.commit", "true")
            .set("auto.commit.interval.ms", "1000")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "10000")
            .set("heartbeat.interval.ms", "1000")
            .create()?;
        let topics: Vec<&str> = topics.iter().map(String::as_str).collect();
        consumer.subscribe(&topics)?;
        Ok(Self {
            consumer,
            dlq: EventProducer::new(config)?,
            group_id: group_id.to_owned(),
        })
    }

    /// Consumes until `shutdown` is cancelled, then commits what was processed.
    pub async fn run<H: EventHandler>(
        self,
        handler: &H,
        shutdown: CancellationToken,
    ) -> Result<(), KafkaError> {
        let mut backoff = Backoff::default();
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => break,
                received = self.consumer.recv() => received,
            };
            let message = match message {
                Ok(message) => message,
                Err(error) => {
                    tracing::warn!(%error, group = %self.group_id, "kafka receive failed");
                    tokio::select! {
                        () = shutdown.cancelled() => break,
                        () = tokio::time::sleep(backoff.next_delay()) => continue,
                    }
                }
            };
            backoff.reset();
            let outcome = self.process(&message, handler, &shutdown).await;
            let label = match outcome {
                Outcome::Interrupted => break,
                Outcome::Handled => "handled",
                Outcome::DeadLettered => "dead_lettered",
            };
            metrics::counter!("events_consumed_total", "topic" => message.topic().to_owned(), "outcome" => label)
                .increment(1);
            self.consumer.store_offset_from_message(&message)?;
        }
        self.commit_on_shutdown();
        Ok(())
    }

    fn commit_on_shutdown(&self) {
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) => tracing::info!(group = %self.group_id, "offsets committed"),
            // Nothing stored since the last commit is not a failure.
            Err(KafkaError::ConsumerCommit(rdkafka::types::RDKafkaErrorCode::NoOffset)) => {}
            Err(error) => tracing::warn!(%error, group = %self.group_id, "final commit failed"),
        }
    }

    async fn process<H: EventHandler>(
        &self,
        message: &BorrowedMessage<'_>,
        handler: &H,
        shutdown: &CancellationToken,
    ) -> Outcome {
        let event = match Event::from_bytes(message.payload().unwrap_or_default()) {
            Ok(event) => event,
            Err(error) => {
                return self
                    .dead_letter(message, &error.to_string(), shutdown)
                    .await;
            }
        };
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(10));
        loop {
            match handler.handle(&event).await {
                Ok(()) => return Outcome::Handled,
                Err(HandleError::Permanent(reason)) => {
                    return self.dead_letter(message, &reason, shutdown).await;
                }
                Err(HandleError::Transient(error)) => {
                    tracing::warn!(%error, event_id = %event.event_id, "handler failed, retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return Outcome::Interrupted,
                        () = tokio::time::sleep(backoff.next_delay()) => {}
                    }
                }
            }
        }
    }

    /// Moves a message to `<topic>.dlq`, retrying until the broker has it: the
    /// message must not be skipped without a trace.
    async fn dead_letter(
        &self,
        message: &BorrowedMessage<'_>,
        reason: &str,
        shutdown: &CancellationToken,
    ) -> Outcome {
        let topic = KafkaConfig::dlq_topic(message.topic());
        let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
        let source = format!(
            "{}/{}/{}",
            message.topic(),
            message.partition(),
            message.offset()
        );
        tracing::warn!(%reason, %source, dlq = %topic, "dead-lettering message");
        let headers = [
            ("dlq_error", reason),
            ("dlq_source", source.as_str()),
            ("dlq_group", self.group_id.as_str()),
        ];
        let mut backoff = Backoff::default();
        loop {
            let sent = self
                .dlq
                .send(
                    &topic,
                    &key,
                    message.payload().unwrap_or_default(),
                    &headers,
                )
                .await;
            match sent {
                Ok(()) => return Outcome::DeadLettered,
                Err(error) => {
                    tracing::warn!(%error, dlq = %topic, "cannot write to the dead-letter topic, retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return Outcome::Interrupted,
                        () = tokio::time::sleep(backoff.next_delay()) => {}
                    }
                }
            }
        }
    }
}
