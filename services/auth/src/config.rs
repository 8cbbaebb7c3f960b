//! Configuration of the auth service, from environment variables.

use std::time::Duration;

use shop_common::config::{ConfigError, Env, GrpcUrl, HumanDuration, Secret};
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the auth service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `USERS_GRPC_URL`: the users service (default http://127.0.0.1:50052)
    pub users_url: GrpcUrl,
    /// `TOKEN_TTL`: lifetime of access tokens (default 1h)
    pub token_ttl: HumanDuration,
    /// `SHOP_ADMIN_EMAIL`: e-mail of the bootstrap SUPER_ADMIN
    pub admin_email: String,
    /// `SHOP_ADMIN_PASSWORD`: its password
    pub admin_password: Secret,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Auth, env)?,
            users_url: ServiceKind::Users.client_url(env)?,
            token_ttl: env.or("TOKEN_TTL", HumanDuration(Duration::from_secs(3600)))?,
            admin_email: env.required("SHOP_ADMIN_EMAIL", "needed to create the first admin")?,
            admin_password: env
                .required("SHOP_ADMIN_PASSWORD", "needed to create the first admin")?,
        })
    }
}
