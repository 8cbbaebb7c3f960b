//! Configuration of the orders service, from environment variables.

use shop_common::config::{ConfigError, Env, GrpcUrl, PostgresUrl};
use shop_common::events::KafkaConfig;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the orders service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `ORDERS_DATABASE_URL`: the orders database
    pub database_url: PostgresUrl,
    /// `PRODUCTS_GRPC_URL`: the products service (default http://127.0.0.1:50053)
    pub products_url: GrpcUrl,
    /// `KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, `KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION`, `KAFKA_FETCH_WAIT_MS`
    pub kafka: KafkaConfig,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Orders, env)?,
            database_url: env.required(
                "ORDERS_DATABASE_URL",
                "the orders database, postgres://user:pass@host:port/db",
            )?,
            products_url: ServiceKind::Products.client_url(env)?,
            kafka: KafkaConfig::from_env(env, "orders")?,
        })
    }
}
