//! Configuration of the products service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, HumanDuration, PostgresUrl, RedisUrl};
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the products service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `PRODUCTS_DATABASE_URL`: the products database
    pub database_url: PostgresUrl,
    /// `REDIS_URL`: the product cache
    pub redis_url: RedisUrl,
    /// `CACHE_TTL`: lifetime of cached products and pages (default 5m)
    pub cache_ttl: HumanDuration,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Products, env)?,
            database_url: env.required(
                "PRODUCTS_DATABASE_URL",
                "the products database, postgres://user:pass@host:port/db",
            )?,
            redis_url: env.required("REDIS_URL", "the product cache, redis://host:port")?,
            cache_ttl: env.or("CACHE_TTL", HumanDuration(Duration::from_secs(300)))?,
        })
    }
}
