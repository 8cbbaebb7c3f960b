//! The catalogue of rustshop's services: names, default ports and the variables that
//! point at them. The services, `shopctl` and the operator all read it from here.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::config::{ConfigError, Env, GrpcUrl};

/// One of the nine services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKind {
    Gateway,
    Auth,
    Users,
    Products,
    Cart,
    Orders,
    Stock,
    Shipping,
    Notification,
}

impl ServiceKind {
    /// All services, in start order (what others call comes first).
    pub const ALL: [ServiceKind; 9] = [
        ServiceKind::Users,
        ServiceKind::Auth,
        ServiceKind::Products,
        ServiceKind::Cart,
        ServiceKind::Orders,
        ServiceKind::Stock,
        ServiceKind::Shipping,
        ServiceKind::Notification,
        ServiceKind::Gateway,
    ];

    /// Short name: `products`.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::Gateway => "gateway",
            ServiceKind::Auth => "auth",
            ServiceKind::Users => "users",
            ServiceKind::Products => "products",
            ServiceKind::Cart => "cart",
            ServiceKind::Orders => "orders",
            ServiceKind::Stock => "stock",
            ServiceKind::Shipping => "shipping",
            ServiceKind::Notification => "notification",
        }
    }

    /// Package and binary name: `shop-products`.
    pub fn binary(self) -> String {
        format!("shop-{}", self.name())
    }

    /// Whether the service's main port speaks HTTP/1 (the gateway) rather than gRPC.
    pub fn is_http(self) -> bool {
        self == ServiceKind::Gateway
    }

    fn index(self) -> u16 {
        match self {
            ServiceKind::Gateway => 0,
            ServiceKind::Auth => 1,
            ServiceKind::Users => 2,
            ServiceKind::Products => 3,
            ServiceKind::Cart => 4,
            ServiceKind::Orders => 5,
            ServiceKind::Stock => 6,
            ServiceKind::Shipping => 7,
            ServiceKind::Notification => 8,
        }
    }

    /// Default main port: 3000 for the gateway's HTTP, 50051.. for gRPC.
    pub fn default_port(self) -> u16 {
        match self {
            ServiceKind::Gateway => 3000,
            other => 50050 + other.index(),
        }
    }

    /// Default port of `/metrics` for gRPC services (the gateway serves it on its HTTP port).
    pub fn default_metrics_port(self) -> u16 {
        9100 + self.index()
    }

    /// The variable holding this service's gRPC address for its clients: `USERS_GRPC_URL`.
    pub fn url_variable(self) -> String {
        format!("{}_GRPC_URL", self.name().to_ascii_uppercase())
    }

    /// The variable holding this service's own port: `GATEWAY_PORT` for the gateway,
    /// `GRPC_PORT` for the others (each runs in its own process or pod).
    pub fn port_variable(self) -> &'static str {
        if self.is_http() {
            "GATEWAY_PORT"
        } else {
            "GRPC_PORT"
        }
    }

    /// Where clients reach this service: `<NAME>_GRPC_URL`, or loopback on its default port.
    pub fn client_url(self, env: &Env) -> Result<GrpcUrl, ConfigError> {
        let default = format!("http://127.0.0.1:{}", self.default_port());
        match env.optional::<GrpcUrl>(&self.url_variable())? {
            Some(url) => Ok(url),
            None => {
                Ok(default
                    .parse()
                    .map_err(|e: crate::config::UrlError| ConfigError::Invalid {
                        name: self.url_variable(),
                        reason: e.to_string(),
                    })?)
            }
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Where a service listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerConfig {
    pub service: ServiceKind,
    /// gRPC (or the gateway's HTTP) address.
    pub addr: SocketAddr,
    /// `/metrics` address; for the gateway the same as `addr`.
    pub metrics_addr: SocketAddr,
}

impl ServerConfig {
    /// Reads `LISTEN_HOST` (default 127.0.0.1; 0.0.0.0 in containers), the service's port
    /// variable and `METRICS_PORT`.
    pub fn from_env(service: ServiceKind, env: &Env) -> Result<Self, ConfigError> {
        let host: IpAddr = env.or("LISTEN_HOST", IpAddr::V4(Ipv4Addr::LOCALHOST))?;
        let port: u16 = env.or(service.port_variable(), service.default_port())?;
        let addr = SocketAddr::new(host, port);
        let metrics_addr = if service.is_http() {
            addr
        } else {
            SocketAddr::new(
                host,
                env.or("METRICS_PORT", service.default_metrics_port())?,
            )
        };
        Ok(Self {
            service,
            addr,
            metrics_addr,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_has_its_own_ports() {
        let mut ports: Vec<u16> = ServiceKind::ALL
            .iter()
            .flat_map(|s| [s.default_port(), s.default_metrics_port()])
            .collect();
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 18);
    }

    #[test]
    fn gateway_listens_on_gateway_port() {
        let env = Env::from_pairs([("GATEWAY_PORT", "8080")]);
        let config = ServerConfig::from_env(ServiceKind::Gateway, &env).unwrap();
        assert_eq!(config.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.metrics_addr, config.addr);
    }

    #[test]
    fn grpc_services_default_to_their_catalogue_ports() {
        let env = Env::from_pairs([("LISTEN_HOST", "0.0.0.0")]);
        let config = ServerConfig::from_env(ServiceKind::Products, &env).unwrap();
        assert_eq!(config.addr.to_string(), "0.0.0.0:50053");
        assert_eq!(config.metrics_addr.to_string(), "0.0.0.0:9103");
    }

    #[test]
    fn client_urls_come_from_the_named_variable() {
        let env = Env::from_pairs([("USERS_GRPC_URL", "http://users:50052")]);
        assert_eq!(
            ServiceKind::Users.client_url(&env).unwrap().as_str(),
            "http://users:50052"
        );
        assert_eq!(
            ServiceKind::Auth.client_url(&env).unwrap().as_str(),
            "http://127.0.0.1:50051"
        );
    }
}
