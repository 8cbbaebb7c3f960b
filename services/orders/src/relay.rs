//! The outbox relay: publishes outbox rows to Kafka, a batch at a time (queued in id
//! order; a retried send may land after a later row, which no consumer relies on: the
//! events of one order go to different topics). A batch is claimed (marked sent and
//! locked) in a transaction committed once the broker acknowledged it, so the marks
//! become visible only for events the broker took. A broker outage only delays events:
//! the relay retries with backoff, and rows stay unsent until published. A crash
//! between publish and commit publishes a row twice; consumers are idempotent, so that
//! is harmless.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use shop_common::backoff::Backoff;
use shop_common::events::EventProducer;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::store::outbox::PendingEvent;
use crate::store::{StoreError, outbox};

/// Rows published per transaction.
const BATCH: i64 = 100;
/// Polling interval when nobody wakes the relay (other replicas' rows, restarts).
const IDLE_POLL: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
enum RelayError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("publishing to Kafka failed: {0}")]
    Publish(#[from] rdkafka::error::KafkaError),
}

impl From<sqlx::Error> for RelayError {
    fn from(error: sqlx::Error) -> Self {
        RelayError::Store(StoreError::Database(error))
    }
}

pub struct OutboxRelay {
    pool: PgPool,
    producer: EventProducer,
    topic_prefix: String,
    wake: Arc<Notify>,
}

impl OutboxRelay {
    pub fn new(
        pool: PgPool,
        producer: EventProducer,
        topic_prefix: String,
        wake: Arc<Notify>,
    ) -> Self {
        Self {
            pool,
            producer,
            topic_prefix,
            wake,
        }
    }

    /// Publishes until `shutdown`; what is unsent then is published after the restart.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
        loop {
            let pause = match self.publish_batch().await {
                Ok(published) if published == BATCH as usize => {
                    backoff.reset();
                    continue;
                }
                Ok(_) => {
                    backoff.reset();
                    None
                }
                Err(error) => {
                    metrics::counter!("outbox_publish_failures_total").increment(1);
                    tracing::warn!(%error, "outbox relay failed, retrying");
                    Some(backoff.next_delay())
                }
            };
            tokio::select! {
                () = shutdown.cancelled() => return,
                () = self.wake.notified(), if pause.is_none() => {}
                () = tokio::time::sleep(pause.unwrap_or(IDLE_POLL)) => {}
            }
        }
    }

    /// Publishes one batch of unsent rows, claimed (marked sent) in the transaction
    /// that ends once the broker answered; those it refused are marked unsent again
    /// for the next round.
    async fn publish_batch(&self) -> Result<usize, RelayError> {
        let mut tx = self.pool.begin().await?;
        let pending = outbox::claim_unsent(&mut tx, BATCH).await?;
        // All at once: the producer packs them into a few requests, where one at a
        // time would wait for a broker round trip per event.
        let results = join_all(pending.iter().map(|event| self.publish(event))).await;
        let mut refused = Vec::new();
        let mut failure = None;
        for (event, result) in pending.iter().zip(results) {
            if let Err(error) = result {
                refused.push(event.id);
                failure.get_or_insert(error);
            }
        }
        outbox::unmark(&mut tx, &refused).await?;
        tx.commit().await?;
        let sent = pending.len() - refused.len();
        metrics::counter!("outbox_published_total").increment(sent as u64);
        match failure {
            Some(error) => Err(error.into()),
            None => Ok(sent),
        }
    }

    async fn publish(&self, event: &PendingEvent) -> Result<(), rdkafka::error::KafkaError> {
        let topic = format!("{}{}", self.topic_prefix, event.topic);
        self.producer
            .send(&topic, &event.key, event.payload.as_bytes(), &[])
            .await
    }
}
