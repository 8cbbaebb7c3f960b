//! Kafka settings, topic creation and the producer, on `rdkafka`.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;

use super::envelope::{Event, EventType};
use crate::config::{ConfigError, Env, KafkaBrokers};

/// Where Kafka is and how topics are named and created.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    /// `KAFKA_BROKERS`.
    pub brokers: KafkaBrokers,
    /// `KAFKA_TOPIC_PREFIX` (default empty): lets several platforms or tests share a broker.
    pub topic_prefix: String,
    /// `KAFKA_TOPIC_PARTITIONS` (default 3), for topics the services create. (With
    /// tansu, 1 partition was slower: a consumer of a busy topic fell behind.)
    pub partitions: i32,
    /// `KAFKA_TOPIC_REPLICATION` (default 1).
    pub replication: i32,
    /// Identifies this client in the broker's logs: the service name.
    pub client_id: String,
    /// `KAFKA_FETCH_WAIT_MS`: how long the broker may hold a fetch that finds nothing,
    /// for the service's prompt consumers (default
    /// [`super::consumer::PROMPT_FETCH_WAIT`]; background ones keep theirs, see
    /// [`super::consumer::FetchPace`]). Kafka answers a fetch as soon as data
    /// arrives, so 500 costs it no latency; tansu holds every fetch this long, so
    /// shorter means faster hops and more broker CPU.
    pub fetch_wait: Option<Duration>,
}

impl KafkaConfig {
    pub fn from_env(env: &Env, client_id: &str) -> Result<Self, ConfigError> {
        Ok(Self {
            brokers: env.required("KAFKA_BROKERS", "the Kafka bootstrap servers, host:port")?,
            topic_prefix: env.or("KAFKA_TOPIC_PREFIX", String::new())?,
            partitions: env.or("KAFKA_TOPIC_PARTITIONS", 3)?,
            replication: env.or("KAFKA_TOPIC_REPLICATION", 1)?,
            client_id: client_id.to_owned(),
            fetch_wait: env
                .optional::<u64>("KAFKA_FETCH_WAIT_MS")?
                .map(Duration::from_millis),
        })
    }

    /// The topic of an event type: `<prefix>order_created`.
    pub fn topic(&self, event_type: EventType) -> String {
        format!("{}{}", self.topic_prefix, event_type.as_str())
    }

    /// A consumer group name under the topic prefix, so platforms (and tests) sharing a
    /// broker never share a group.
    pub fn group(&self, name: &str) -> String {
        format!("{}{name}", self.topic_prefix)
    }

    /// The dead-letter topic of a topic: `<topic>.dlq`.
    pub fn dlq_topic(topic: &str) -> String {
        format!("{topic}.dlq")
    }

    /// The topics a service must make sure exist: those it consumes (with their
    /// dead-letter topics) and those it produces.
    pub fn topics_for(&self, consumed: &[EventType], produced: &[EventType]) -> Vec<String> {
        let mut topics: Vec<String> = consumed
            .iter()
            .chain(produced)
            .map(|t| self.topic(*t))
            .collect();
        topics.extend(consumed.iter().map(|t| Self::dlq_topic(&self.topic(*t))));
        topics.sort();
        topics.dedup();
        topics
    }

    /// librdkafka settings shared by producers, consumers and admin clients.
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", self.brokers.as_str())
            .set("client.id", &self.client_id)
            .set("socket.keepalive.enable", "true")
            // Requests are small and pipelined: Nagle's algorithm would hold one while
            // an earlier one is unacknowledged.
            .set("socket.nagle.disable", "true");
        config
    }
}

/// Creates the topics that do not exist yet (and their dead-letter topics when asked).
pub async fn ensure_topics(config: &KafkaConfig, topics: &[String]) -> Result<(), KafkaError> {
    let admin: AdminClient<DefaultClientContext> = config.client_config().create()?;
    let new_topics: Vec<NewTopic<'_>> = topics
        .iter()
        .map(|name| {
            NewTopic::new(
                name,
                config.partitions,
                TopicReplication::Fixed(config.replication),
            )
        })
        .collect();
    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)));
    for result in admin.create_topics(&new_topics, &options).await? {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((topic, code)) => {
                tracing::error!(%topic, ?code, "cannot create topic");
                return Err(KafkaError::AdminOp(code));
            }
        }
    }
    Ok(())
}

/// Creates `topics`, retrying with backoff while the broker is unreachable. Returns
/// false if `shutdown` came first.
pub async fn ensure_topics_until_ready(
    config: &KafkaConfig,
    topics: &[String],
    shutdown: &tokio_util::sync::CancellationToken,
) -> bool {
    let mut backoff =
        crate::backoff::Backoff::new(Duration::from_millis(200), Duration::from_secs(10));
    loop {
        match ensure_topics(config, topics).await {
            Ok(()) => return true,
            Err(error) => tracing::warn!(%error, "cannot create Kafka topics yet, retrying"),
        }
        tokio::select! {
            () = shutdown.cancelled() => return false,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

/// A producer that waits for the broker's acknowledgement of every message.
#[derive(Clone)]
pub struct EventProducer {
    producer: FutureProducer,
    timeout: Duration,
}

impl EventProducer {
    pub fn new(config: &KafkaConfig) -> Result<Self, KafkaError> {
        let timeout = Duration::from_secs(10);
        let producer = config
            .client_config()
            .set("acks", "all")
            .set("message.timeout.ms", timeout.as_millis().to_string())
            .set("linger.ms", "1")
            .create()?;
        Ok(Self { producer, timeout })
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
        let record = FutureRecord::to(topic)
            .key(key)
            .payload(payload)
            .headers(headers);
        self.producer
            .send(record, self.timeout)
            .await
            .map(|_| ())
            .map_err(|(error, _)| error)
    }

    /// Publishes an event on `topic` under `key` (the order id).
    pub async fn publish(&self, topic: &str, key: &str, event: &Event) -> Result<(), KafkaError> {
        let event_id = event.event_id.to_string();
        self.send(topic, key, &event.to_bytes(), &[("event_id", &event_id)])
            .await
    }
}
