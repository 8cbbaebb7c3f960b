//! Configuration of the orders service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, GrpcUrl, HumanDuration, PostgresUrl};
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
    /// `KAFKA_BROKERS`, `KAFKA_TOPIC_PREFIX`, `KAFKA_TOPIC_PARTITIONS`, `KAFKA_TOPIC_REPLICATION`, `KAFKA_FETCH_WAIT_MS`,
    /// `KAFKA_BACKGROUND_FETCH_WAIT_MS`
    pub kafka: KafkaConfig,
    /// `OUTBOX_RETENTION`, `PROCESSED_EVENTS_RETENTION`
    pub retention: Retention,
}

/// How long rows that are only kept for a while stay (see `janitor`).
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Outbox rows, counted from their publication (unsent rows always stay).
    pub outbox: HumanDuration,
    /// Ids of processed events. Keep them at least as long as the topics keep their
    /// records (Kafka's default: 7 days). An event redelivered after its id was
    /// forgotten meets an order already past it, which it leaves alone (a
    /// `stock_reserved` for a cancelled order announces the cancellation again, and
    /// products releases nothing twice).
    pub processed_events: HumanDuration,
}

impl Retention {
    /// A week for both: Kafka's default retention.
    pub const DEFAULT: Self = Self {
        outbox: HumanDuration(WEEK),
        processed_events: HumanDuration(WEEK),
    };

    fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            outbox: env.or("OUTBOX_RETENTION", Self::DEFAULT.outbox)?,
            processed_events: env
                .or("PROCESSED_EVENTS_RETENTION", Self::DEFAULT.processed_events)?,
        })
    }
}

const WEEK: Duration = Duration::from_secs(7 * 86_400);

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
            retention: Retention::from_env(env)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_defaults_to_a_week_and_takes_durations() {
        let default = Retention::from_env(&Env::from_pairs::<&str, &str>([])).expect("valid");
        assert_eq!(default.outbox.0, WEEK);
        assert_eq!(default.processed_events.0, WEEK);

        let env = Env::from_pairs([
            ("OUTBOX_RETENTION", "36h"),
            ("PROCESSED_EVENTS_RETENTION", "14d"),
        ]);
        let set = Retention::from_env(&env).expect("valid");
        assert_eq!(set.outbox.0, Duration::from_secs(36 * 3_600));
        assert_eq!(set.processed_events.0, 2 * WEEK);
    }

    #[test]
    fn a_malformed_retention_is_named() {
        let env = Env::from_pairs([("PROCESSED_EVENTS_RETENTION", "a week")]);
        let error = Retention::from_env(&env).expect_err("invalid").to_string();
        assert!(
            error.starts_with("PROCESSED_EVENTS_RETENTION is invalid"),
            "{error}"
        );
    }
}
