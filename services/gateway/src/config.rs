//! Configuration of the gateway, from environment variables.

use shop_common::config::{ConfigError, Env, GrpcUrl};
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the gateway reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GATEWAY_PORT` (default 3000).
    pub server: ServerConfig,
    /// `<SERVICE>_GRPC_URL` of each service the gateway calls.
    pub upstreams: Upstreams,
}

/// The services behind the gateway.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub auth: GrpcUrl,
    pub users: GrpcUrl,
    pub products: GrpcUrl,
    pub cart: GrpcUrl,
    pub orders: GrpcUrl,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Gateway, env)?,
            upstreams: Upstreams {
                auth: ServiceKind::Auth.client_url(env)?,
                users: ServiceKind::Users.client_url(env)?,
                products: ServiceKind::Products.client_url(env)?,
                cart: ServiceKind::Cart.client_url(env)?,
                orders: ServiceKind::Orders.client_url(env)?,
            },
        })
    }
}
