//! Configuration of the cart service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, HumanDuration, MongoUri};
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the cart service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `MONGODB_URI`: the cart database server
    pub mongodb_uri: MongoUri,
    /// `MONGODB_DATABASE`: database name (default cart)
    pub mongodb_database: String,
    /// `CART_TTL`: carts untouched this long are removed (default 30d)
    pub cart_ttl: HumanDuration,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Cart, env)?,
            mongodb_uri: env.required("MONGODB_URI", "the cart database, mongodb://host:port")?,
            mongodb_database: env.or("MONGODB_DATABASE", "cart".to_owned())?,
            cart_ttl: env.or("CART_TTL", HumanDuration(Duration::from_secs(30 * 86_400)))?,
        })
    }
}
