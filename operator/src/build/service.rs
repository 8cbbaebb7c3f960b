//! The Service of each service: its main port and its metrics port.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shop_common::service::ServiceKind;

use super::{ShopRef, names};

/// Name of the main port: `http` for the gateway, `grpc` for the others.
pub fn main_port_name(kind: ServiceKind) -> &'static str {
    if kind.is_http() { "http" } else { "grpc" }
}

pub fn build(shop: &ShopRef<'_>, kind: ServiceKind) -> Service {
    let mut ports = vec![port(main_port_name(kind), kind.default_port(), kind)];
    if !kind.is_http() {
        ports.push(port("metrics", kind.default_metrics_port(), kind));
    }
    Service {
        metadata: shop.owned_meta(
            names::service_object(&shop.name, kind),
            names::service_labels(&shop.name, kind, &shop.spec.version),
        ),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".to_owned()),
            selector: Some(names::service_selector(&shop.name, kind)),
            ports: Some(ports),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn port(name: &str, number: u16, kind: ServiceKind) -> ServicePort {
    ServicePort {
        name: Some(name.to_owned()),
        port: i32::from(number),
        target_port: Some(IntOrString::String(name.to_owned())),
        protocol: Some("TCP".to_owned()),
        // Lets meshes and ingress controllers speak HTTP/2 to gRPC ports.
        app_protocol: (name == "grpc" && !kind.is_http()).then(|| "kubernetes.io/h2c".to_owned()),
        ..ServicePort::default()
    }
}
