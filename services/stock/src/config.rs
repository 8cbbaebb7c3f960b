//! Configuration of the stock service, from environment variables.

use shop_common::config::{ConfigError, Env, GrpcUrl};
use shop_common::events::KafkaConfig;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the stock service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `PRODUCTS_GRPC_URL`: the products service (default http://127.0.0.1:50053)
    pub products_url: GrpcUrl,
    /// `KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, `KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION`, `KAFKA_FETCH_WAIT_MS`
    pub kafka: KafkaConfig,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Stock, env)?,
            products_url: ServiceKind::Products.client_url(env)?,
            kafka: KafkaConfig::from_env(env, "stock")?,
        })
    }
}
