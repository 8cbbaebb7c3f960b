//! The producer: sends a record and waits for the broker's acknowledgement.
//!
//! Built on `rdkafka`'s `BaseProducer` with a polling thread of its own rather than
//! on `FutureProducer`. `FutureProducer`'s thread polls in rounds of 100 ms, and
//! `rdkafka` ends each round by polling with a timeout rounded down to whole
//! milliseconds: 0 in its last millisecond, which it spends spinning. That cost ~1 % of
//! a core per producer, idle or not (8 producers on a local platform: 8 % of a core
//! spent reading the clock, and a runnable thread every 100 ms that the services'
//! threads had to wait behind). Here a round lasts [`POLL_ROUND`]: the same spin
//! once a second instead of ten times. A delivery report still wakes the thread at
//! once: librdkafka signals the queue the thread waits on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rdkafka::ClientContext;
use rdkafka::config::FromClientConfigAndContext;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, ProducerContext};
use rdkafka::types::RDKafkaErrorCode;
use tokio::sync::oneshot;
use tokio::time::Instant;

use super::envelope::Event;
use super::kafka::KafkaConfig;

/// How long the polling thread waits for delivery reports per round; it checks
/// whether the producer is still wanted between rounds.
const POLL_ROUND: Duration = Duration::from_secs(1);
/// How long a send waits before trying again when librdkafka's queue is full.
const QUEUE_FULL_PAUSE: Duration = Duration::from_millis(10);
/// How long the broker has to acknowledge a record (`message.timeout.ms`).
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// The outcome of one record, sent back to the task awaiting it.
type Acknowledgement = oneshot::Sender<Result<(), KafkaError>>;

/// Hands each delivery report to the send awaiting it.
struct Deliveries;

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = Box<Acknowledgement>;

    fn delivery(&self, result: &DeliveryResult<'_>, acknowledgement: Box<Acknowledgement>) {
        let outcome = match result {
            Ok(_) => Ok(()),
            Err((error, _)) => Err(error.clone()),
        };
        // The send may have stopped waiting (its task was cancelled): nothing to tell.
        let _ = acknowledgement.send(outcome);
    }
}

/// The librdkafka producer, polled by a thread until the last handle is dropped.
struct Polled {
    producer: Arc<BaseProducer<Deliveries>>,
    wanted: Arc<AtomicBool>,
}

impl Polled {
    fn start(producer: BaseProducer<Deliveries>) -> Result<Self, KafkaError> {
        let producer = Arc::new(producer);
        let wanted = Arc::new(AtomicBool::new(true));
        let (polled, still_wanted) = (producer.clone(), wanted.clone());
        std::thread::Builder::new()
            .name("kafka-producer".into())
            .spawn(move || {
                while still_wanted.load(Ordering::Acquire) {
                    polled.poll(POLL_ROUND);
                }
                // The producer is dropped here, off the async runtime: dropping
                // purges and flushes, which blocks.
            })
            .map_err(|error| {
                KafkaError::ClientCreation(format!("cannot start the polling thread: {error}"))
            })?;
        Ok(Self { producer, wanted })
    }
}

impl Drop for Polled {
    fn drop(&mut self) {
        self.wanted.store(false, Ordering::Release);
    }
}

/// A producer that waits for the broker's acknowledgement of every message.
#[derive(Clone)]
pub struct EventProducer {
    polled: Arc<Polled>,
}

impl EventProducer {
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        let mut client = config.client_config();
        client
            .set("acks", "all")
            .set(
                "message.timeout.ms",
                DELIVERY_TIMEOUT.as_millis().to_string(),
            )
            .set("linger.ms", "1");
        let producer = BaseProducer::from_config_and_context(&client, Deliveries)?;
        Ok(Self {
            polled: Arc::new(Polled::start(producer)?),
        })
    }

    /// Sends one record and waits until the broker has it.
    pub async fn send(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        headers: &[(&str, &str)],
    ) -> Result<(), KafkaError> {
        let headers = headers.iter().fold(OwnedHeaders::new(), |h, (key, value)| {
            h.insert(Header {
                key,
                value: Some(*value),
            })
        });
        let (acknowledgement, acknowledged) = oneshot::channel();
        let mut record = BaseRecord::with_opaque_to(topic, Box::new(acknowledgement))
            .key(key)
            .payload(payload)
            .headers(headers);
        let give_up = Instant::now() + DELIVERY_TIMEOUT;
        loop {
            match self.polled.producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned))
                    if Instant::now() < give_up =>
                {
                    record = returned;
                    tokio::time::sleep(QUEUE_FULL_PAUSE).await;
                }
                Err((error, _)) => return Err(error),
            }
        }
        // Every record gets a report (at the latest when `message.timeout.ms` is up),
        // unless the producer is gone first.
        acknowledged.await.unwrap_or(Err(KafkaError::Canceled))
    }

    /// Publishes an event on `topic` under `key` (the order id).
    pub async fn publish(&self, topic: &str, key: &str, event: &Event) -> Result<(), KafkaError> {
        let event_id = event.event_id.to_string();
        self.send(topic, key, &event.to_bytes(), &[("event_id", &event_id)])
            .await
    }
}
