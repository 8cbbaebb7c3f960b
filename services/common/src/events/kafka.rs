//! Kafka settings and topic creation, on `rdkafka`.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;

use super::envelope::EventType;
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
    /// `KAFKA_BACKGROUND_FETCH_WAIT_MS`: the same for the consumers nobody waits for
    /// (default [`super::consumer::BACKGROUND_FETCH_WAIT`]).
    pub background_fetch_wait: Option<Duration>,
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
            background_fetch_wait: env
                .optional::<u64>("KAFKA_BACKGROUND_FETCH_WAIT_MS")?
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
