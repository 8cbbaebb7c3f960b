//! Configuration of the shipping service, from environment variables.

use shop_common::config::{ConfigError, Env};
use shop_common::events::KafkaConfig;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the shipping service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, `KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION`,
    /// `KAFKA_BACKGROUND_FETCH_WAIT_MS`
    pub kafka: KafkaConfig,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Shipping, env)?,
            kafka: KafkaConfig::from_env(env, "shipping")?,
        })
    }
}
