//! Kafka topic names and consumer groups per test.

use shop_common::events::KafkaConfig;

use crate::infra::{Infra, require_listening};

/// Kafka for one test: topics under `topic_prefix`, groups under its own names.
pub struct TestKafka {
    pub brokers: String,
    /// `test_<id>.`: configure the services under test with it (`KAFKA_TOPIC_PREFIX`).
    pub topic_prefix: String,
}

impl TestKafka {
    /// The settings a service under test would read, with this test's prefix.
    pub fn config(&self, client_id: &str) -> KafkaConfig {
        KafkaConfig {
            brokers: self.brokers.parse().expect("KAFKA_BROKERS is host:port"),
            topic_prefix: self.topic_prefix.clone(),
            partitions: 3,
            replication: 1,
            client_id: client_id.to_owned(),
            fetch_wait: None,
            background_fetch_wait: None,
        }
    }

    /// A topic of this test's own.
    pub fn topic(&self, name: &str) -> String {
        format!("{}{name}", self.topic_prefix)
    }

    /// A consumer group of this test's own.
    pub fn group(&self, name: &str) -> String {
        format!("{}{name}", self.topic_prefix)
    }
}

pub async fn kafka() -> TestKafka {
    let brokers = Infra::get().kafka_brokers.clone();
    let first = brokers.split(',').next().unwrap_or_default().to_owned();
    require_listening("Kafka", &first).await;
    TestKafka {
        brokers,
        topic_prefix: format!("{}.", crate::unique_name("test")),
    }
}

/// How many messages of `topics` consumer group `group` has not committed yet, over
/// all partitions (a partition it never committed counts whole). Zero once the group
/// has caught up.
pub async fn group_lag(
    brokers: &str,
    group: &str,
    topics: &[String],
) -> Result<i64, rdkafka::error::KafkaError> {
    let brokers = brokers.to_owned();
    let group = group.to_owned();
    let topics = topics.to_vec();
    // rdkafka's metadata and offset calls block.
    tokio::task::spawn_blocking(move || blocking_group_lag(&brokers, &group, &topics))
        .await
        .expect("the lag query does not panic")
}

fn blocking_group_lag(
    brokers: &str,
    group: &str,
    topics: &[String],
) -> Result<i64, rdkafka::error::KafkaError> {
    use rdkafka::consumer::{BaseConsumer, Consumer as _};
    use rdkafka::{Offset, TopicPartitionList};

    let timeout = std::time::Duration::from_secs(10);
    // Never subscribes, so it never joins (nor disturbs) the group it reads.
    let consumer: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()?;
    let mut partitions = TopicPartitionList::new();
    for topic in topics {
        let metadata = consumer.fetch_metadata(Some(topic), timeout)?;
        for described in metadata.topics() {
            for partition in described.partitions() {
                partitions.add_partition(topic, partition.id());
            }
        }
    }
    let committed = consumer.committed_offsets(partitions, timeout)?;
    let mut lag = 0;
    for element in committed.elements() {
        let (low, high) =
            consumer.fetch_watermarks(element.topic(), element.partition(), timeout)?;
        lag += match element.offset() {
            Offset::Offset(offset) => high - offset,
            _ => high - low,
        };
    }
    Ok(lag)
}
