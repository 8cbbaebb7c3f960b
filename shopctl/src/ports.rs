//! Which ports a local platform uses.

use shop_common::service::ServiceKind;

/// Ports of every service: the catalogue's defaults shifted by `offset`, so a second
/// platform (the end-to-end tests) can run beside `shopctl up`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortPlan {
    offset: u16,
    gateway: u16,
}

impl PortPlan {
    /// The catalogue's ports; the gateway on `gateway_port` (`GATEWAY_PORT`, default 3000).
    pub fn standard(gateway_port: u16) -> Self {
        Self {
            offset: 0,
            gateway: gateway_port,
        }
    }

    /// Every port moved up by `offset`.
    pub fn shifted(offset: u16) -> Self {
        Self {
            offset,
            gateway: ServiceKind::Gateway.default_port() + offset,
        }
    }

    /// The service's main port (HTTP for the gateway, gRPC for the others).
    pub fn port(&self, service: ServiceKind) -> u16 {
        match service {
            ServiceKind::Gateway => self.gateway,
            other => other.default_port() + self.offset,
        }
    }

    pub fn metrics_port(&self, service: ServiceKind) -> u16 {
        match service {
            ServiceKind::Gateway => self.gateway,
            other => other.default_metrics_port() + self.offset,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_plan_moves_every_port() {
        let plan = PortPlan::shifted(1000);
        assert_eq!(plan.port(ServiceKind::Gateway), 4000);
        assert_eq!(plan.port(ServiceKind::Users), 51052);
        assert_eq!(plan.metrics_port(ServiceKind::Users), 10102);
    }

    #[test]
    fn services_are_pointed_at_each_other() {
        let env = PortPlan::standard(3000).env_for(ServiceKind::Auth);
        assert!(env.contains(&("GRPC_PORT".into(), "50051".into())));
        assert!(env.contains(&("USERS_GRPC_URL".into(), "http://127.0.0.1:50052".into())));
    }
}
