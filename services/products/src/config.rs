//! Configuration of the products service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, HumanDuration, PostgresUrl, RedisUrl};
use shop_common::postgres::PoolOptions;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the products service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `PRODUCTS_DATABASE_URL`: the products database
    pub database_url: PostgresUrl,
    /// Database pool size and timeouts (defaults; tests may raise them).
    pub pool: PoolOptions,
    /// `REDIS_URL`: the product cache
    pub redis_url: RedisUrl,
    /// `REDIS_KEY_PREFIX`: prefix of every cache key (default `products:`)
    pub redis_key_prefix: String,
    /// `CACHE_TTL`: lifetime of cached products and pages (default 5m)
    pub cache_ttl: HumanDuration,
    /// `CACHE_TIMEOUT`: longest wait for Redis before serving from PostgreSQL
    /// (default 250ms)
    pub cache_timeout: HumanDuration,
    /// `LOCAL_CACHE_TTL`: how long a replica answers a product or page it read from
    /// memory, without asking Redis (default 1s; `0s` turns that off). A change made
    /// through another replica shows here at most this late.
    pub local_cache_ttl: HumanDuration,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Products, env)?,
            database_url: env.required(
                "PRODUCTS_DATABASE_URL",
                "the products database, postgres://user:pass@host:port/db",
            )?,
            pool: PoolOptions::default(),
            redis_url: env.required("REDIS_URL", "the product cache, redis://host:port")?,
            redis_key_prefix: env.or("REDIS_KEY_PREFIX", "products:".to_owned())?,
            cache_ttl: env.or("CACHE_TTL", HumanDuration(Duration::from_secs(300)))?,
            cache_timeout: env.or("CACHE_TIMEOUT", HumanDuration(Duration::from_millis(250)))?,
            local_cache_ttl: env.or("LOCAL_CACHE_TTL", HumanDuration(Duration::from_secs(1)))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![
            ("PRODUCTS_DATABASE_URL", "postgres://shop@db:5432/products"),
            ("REDIS_URL", "redis://cache:6379"),
        ];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    #[test]
    fn defaults_apply_when_only_urls_are_set() {
        let config = Config::from_env(&env(&[])).unwrap();
        assert_eq!(config.redis_key_prefix, "products:");
        assert_eq!(config.cache_ttl.0, Duration::from_secs(300));
        assert_eq!(config.cache_timeout.0, Duration::from_millis(250));
        assert_eq!(config.local_cache_ttl.0, Duration::from_secs(1));
    }

    #[test]
    fn cache_settings_are_read() {
        let config = Config::from_env(&env(&[
            ("REDIS_KEY_PREFIX", "shop-a:products:"),
            ("CACHE_TTL", "30s"),
            ("CACHE_TIMEOUT", "50ms"),
        ]))
        .unwrap();
        assert_eq!(config.redis_key_prefix, "shop-a:products:");
        assert_eq!(config.cache_ttl.0, Duration::from_secs(30));
        assert_eq!(config.cache_timeout.0, Duration::from_millis(50));
    }

    #[test]
    fn a_missing_database_url_is_named() {
        let err = Config::from_env(&Env::from_pairs([("REDIS_URL", "redis://cache:6379")]))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("PRODUCTS_DATABASE_URL is not set"), "{err}");
    }
}
