//! The Ingress routing the HTTP API to the gateway.

use k8s_openapi::api::networking::v1::{
    HTTPIngressPath, HTTPIngressRuleValue, Ingress, IngressBackend, IngressRule,
    IngressServiceBackend, IngressSpec, IngressTLS, ServiceBackendPort,
};
use shop_common::service::ServiceKind;

use super::service::main_port_name;
use super::{ShopRef, names};

/// The Ingress, or `None` when the Shop turns it off.
pub fn build(shop: &ShopRef<'_>) -> Option<Ingress> {
    let spec = &shop.spec.ingress;
    if !spec.enabled {
        return None;
    }
    let gateway = ServiceKind::Gateway;
    let name = names::service_object(&shop.name, gateway);
    let backend = IngressBackend {
        service: Some(IngressServiceBackend {
            name: name.clone(),
            port: Some(ServiceBackendPort {
                name: Some(main_port_name(gateway).to_owned()),
                number: None,
            }),
        }),
        resource: None,
    };
    let rule = IngressRule {
        host: spec.host.clone(),
        http: Some(HTTPIngressRuleValue {
            paths: vec![HTTPIngressPath {
                path: Some("/".to_owned()),
                path_type: "Prefix".to_owned(),
                backend,
            }],
        }),
    };
    let tls = spec.tls_secret_name.as_ref().map(|secret| {
        vec![IngressTLS {
            hosts: spec.host.clone().map(|host| vec![host]),
            secret_name: Some(secret.clone()),
        }]
    });
    Some(Ingress {
        metadata: shop.owned_meta(
            name,
            names::service_labels(&shop.name, gateway, &shop.spec.version),
        ),
        spec: Some(IngressSpec {
            ingress_class_name: spec.class_name.clone(),
            rules: Some(vec![rule]),
            tls,
            default_backend: None,
        }),
        status: None,
    })
}
