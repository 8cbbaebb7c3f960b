//! One message through its handler: parsed, handled with retries of transient
//! failures, or moved to the dead-letter topic.

use std::time::Duration;

use rdkafka::message::{Message, OwnedMessage};
use tokio_util::sync::CancellationToken;

use super::{EventConsumer, EventHandler, HandleError};
use crate::backoff::Backoff;
use crate::events::envelope::Event;
use crate::events::kafka::KafkaConfig;

/// What became of one message.
pub(super) enum Outcome {
    Handled,
    DeadLettered,
    /// Shutdown came first: the offset is not stored, the message will be redelivered.
    Interrupted,
}

impl EventConsumer {
    /// Handles `message`, retrying transient failures until `shutdown`; hands the
    /// message back with what became of it.
    pub(super) async fn process<H: EventHandler>(
        &self,
        message: OwnedMessage,
        handler: &H,
        shutdown: &CancellationToken,
    ) -> (OwnedMessage, Outcome) {
        let event = match Event::from_bytes(message.payload().unwrap_or_default()) {
            Ok(event) => event,
            Err(error) => {
                let outcome = self
                    .dead_letter(&message, &error.to_string(), shutdown)
                    .await;
                return (message, outcome);
            }
        };
        let mut backoff = Backoff::new(Duration::from_millis(50), Duration::from_secs(10));
        loop {
            match handler.handle(&event).await {
                Ok(()) => return (message, Outcome::Handled),
                Err(HandleError::Permanent(reason)) => {
                    let outcome = self.dead_letter(&message, &reason, shutdown).await;
                    return (message, outcome);
                }
                Err(HandleError::Transient(error)) => {
                    tracing::warn!(%error, event_id = %event.event_id, "handler failed, retrying");
                    tokio::select! {
                        () = shutdown.cancelled() => return (message, Outcome::Interrupted),
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
        message: &OwnedMessage,
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
