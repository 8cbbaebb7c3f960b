//! Configuration of the notification service, from environment variables.

use shop_common::config::{ConfigError, Env};
use shop_common::events::KafkaConfig;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the notification service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, `KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION`,
    /// `KAFKA_BACKGROUND_FETCH_WAIT_MS`
    pub kafka: KafkaConfig,
    /// `SMTP_URL` (e.g. `smtps://user:pass@mail.example.com`): send real e-mail through this
    /// server. Unset: e-mails are written to the log.
    pub smtp_url: Option<shop_common::config::Secret>,
    /// `MAIL_FROM`: the sender (default `rustshop <no-reply@rustshop.local>`).
    pub mail_from: String,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Notification, env)?,
            kafka: KafkaConfig::from_env(env, "notification")?,
            smtp_url: env.optional("SMTP_URL")?,
            mail_from: env.or("MAIL_FROM", "rustshop <no-reply@rustshop.local>".to_owned())?,
        })
    }
}
