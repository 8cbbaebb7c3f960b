//! Configuration of the cart service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, HumanDuration, MongoUri};
use shop_common::service::{ServerConfig, ServiceKind};

/// Shortest accepted `CART_TTL`: MongoDB's expiry monitor runs about once a minute,
/// so anything shorter would not mean what it says.
pub const MIN_CART_TTL: Duration = Duration::from_secs(60);
/// Longest accepted `CART_TTL`: `expireAfterSeconds` is a 32-bit number of seconds.
pub const MAX_CART_TTL: Duration = Duration::from_secs(i32::MAX as u64);

/// Everything the cart service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `MONGODB_URI`: the cart database server
    pub mongodb_uri: MongoUri,
    /// `MONGODB_DATABASE`: database name (default cart)
    pub mongodb_database: String,
    /// `CART_TTL`: carts untouched this long are removed (default 30d; whole seconds)
    pub cart_ttl: HumanDuration,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Cart, env)?,
            mongodb_uri: env.required("MONGODB_URI", "the cart database, mongodb://host:port")?,
            mongodb_database: env.or("MONGODB_DATABASE", "cart".to_owned())?,
            cart_ttl: cart_ttl(env)?,
        })
    }
}

fn cart_ttl(env: &Env) -> Result<HumanDuration, ConfigError> {
    let ttl = env.or("CART_TTL", HumanDuration(Duration::from_secs(30 * 86_400)))?;
    if !(MIN_CART_TTL..=MAX_CART_TTL).contains(&ttl.0) {
        return Err(ConfigError::Invalid {
            name: "CART_TTL".to_owned(),
            reason: "must be between 1m and 24855d (e.g. 30d)".to_owned(),
        });
    }
    Ok(ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ttl(value: Option<&str>) -> Result<Duration, ConfigError> {
        let env = Env::from_pairs(value.map(|v| ("CART_TTL", v)));
        cart_ttl(&env).map(|ttl| ttl.0)
    }

    #[test]
    fn carts_expire_after_thirty_days_by_default() {
        assert_eq!(ttl(None).unwrap(), Duration::from_secs(30 * 86_400));
        assert_eq!(ttl(Some("7d")).unwrap(), Duration::from_secs(7 * 86_400));
    }

    #[test]
    fn a_ttl_the_expiry_index_cannot_hold_is_refused() {
        for value in ["30s", "0d", "30000d", "soon"] {
            let error = ttl(Some(value)).unwrap_err().to_string();
            assert!(error.starts_with("CART_TTL is invalid"), "{value}: {error}");
        }
    }
}
