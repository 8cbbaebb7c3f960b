//! Which ports a local platform uses.

use shop_common::service::ServiceKind;

/// Ports of every service: the gateway's HTTP port, and for the gRPC services
/// `grpc_base + n` and `metrics_base + n` (n = 1..=8 in the catalogue's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPlan {
    gateway: u16,
    grpc_base: u16,
    metrics_base: u16,
}

impl PortPlan {
    /// The catalogue's ports (gRPC 50051.., metrics 9101..); the gateway on
    /// `gateway_port` (`GATEWAY_PORT`, default 3000).
    pub fn standard(gateway_port: u16) -> Self {
        Self {
            gateway: gateway_port,
            grpc_base: ServiceKind::Auth.default_port() - 1,
            metrics_base: ServiceKind::Auth.default_metrics_port() - 1,
        }
    }

    /// A block of ports from `base`: the gateway on `base`, gRPC on `base + n`,
    /// metrics on `base + 100 + n`. Tests run platforms beside `shopctl up` this way;
    /// a base below 32768 stays out of the kernel's ephemeral port range, so no
    /// outgoing connection can be holding one of them.
    pub fn block(base: u16) -> Self {
        Self {
            gateway: base,
            grpc_base: base,
            metrics_base: base + 100,
        }
    }

    /// The service's main port (HTTP for the gateway, gRPC for the others).
    pub fn port(&self, service: ServiceKind) -> u16 {
        match service {
            ServiceKind::Gateway => self.gateway,
            other => self.grpc_base + index(other),
        }
    }

    pub fn metrics_port(&self, service: ServiceKind) -> u16 {
        match service {
            ServiceKind::Gateway => self.gateway,
            other => self.metrics_base + index(other),
        }
    }

    /// The variables that place `service` on its ports and point it at the others.
    pub fn env_for(&self, service: ServiceKind) -> Vec<(String, String)> {
        let mut env = vec![
            ("LISTEN_HOST".to_owned(), "127.0.0.1".to_owned()),
            (
                service.port_variable().to_owned(),
                self.port(service).to_string(),
            ),
        ];
        if !service.is_http() {
            env.push((
                "METRICS_PORT".to_owned(),
                self.metrics_port(service).to_string(),
            ));
        }
        for peer in ServiceKind::ALL.into_iter().filter(|s| !s.is_http()) {
            env.push((
                peer.url_variable(),
                format!("http://127.0.0.1:{}", self.port(peer)),
            ));
        }
        env
    }
}

/// 1..=8: the service's place in the catalogue's port order.
fn index(service: ServiceKind) -> u16 {
    service.default_port() - (ServiceKind::Auth.default_port() - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_plan_is_the_catalogue() {
        let plan = PortPlan::standard(3000);
        for service in ServiceKind::ALL {
            assert_eq!(plan.port(service), service.default_port());
        }
        assert_eq!(plan.metrics_port(ServiceKind::Users), 9102);
    }

    #[test]
    fn a_block_keeps_every_port_inside_it() {
        let plan = PortPlan::block(21000);
        assert_eq!(plan.port(ServiceKind::Gateway), 21000);
        assert_eq!(plan.port(ServiceKind::Auth), 21001);
        assert_eq!(plan.port(ServiceKind::Notification), 21008);
        assert_eq!(plan.metrics_port(ServiceKind::Users), 21102);
    }

    #[test]
    fn services_are_pointed_at_each_other() {
        let env = PortPlan::standard(3000).env_for(ServiceKind::Auth);
        assert!(env.contains(&("GRPC_PORT".into(), "50051".into())));
        assert!(env.contains(&("USERS_GRPC_URL".into(), "http://127.0.0.1:50052".into())));
    }
}
