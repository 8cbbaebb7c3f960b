//! Configuration of the users service, from environment variables.

use shop_common::config::{ConfigError, Env, PostgresUrl};
use shop_common::password::Argon2Config;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the users service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `USERS_DATABASE_URL`: the users database
    pub database_url: PostgresUrl,
    /// `ARGON2_MEMORY_KIB`, `ARGON2_ITERATIONS`, `ARGON2_PARALLELISM`: the cost of
    /// new password hashes (OWASP's recommendation by default)
    pub argon2: Argon2Config,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Users, env)?,
            database_url: env.required(
                "USERS_DATABASE_URL",
                "the users database, postgres://user:pass@host:port/db",
            )?,
            argon2: Argon2Config::from_env(env)?,
        })
    }
}
