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
