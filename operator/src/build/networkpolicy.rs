//! NetworkPolicies: each pod accepts connections only from the pods that need it. The
//! gateway from the ingress controller, a service from the services calling it, a
//! database from the services using it; metrics ports from anywhere (scrapers).

use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shop_common::service::ServiceKind;

use super::names::{self, Infra, Labels};
use super::{ShopRef, wiring};

/// The policy of a service's pods.
pub fn for_service(shop: &ShopRef<'_>, kind: ServiceKind) -> NetworkPolicy {
    let main_port = tcp(i32::from(kind.default_port()));
    let mut rules = Vec::new();
    if kind == ServiceKind::Gateway {
        if shop.spec.ingress.enabled {
            rules.push(NetworkPolicyIngressRule {
                from: Some(vec![NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector {
                        match_labels: Some(Labels::from([(
                            "kubernetes.io/metadata.name".to_owned(),
                            shop.spec.ingress.controller_namespace.clone(),
                        )])),
                        match_expressions: None,
                    }),
                    ..NetworkPolicyPeer::default()
                }]),
                ports: Some(vec![main_port]),
            });
        }
    } else {
        let callers = wiring::callers(kind);
        if !callers.is_empty() {
            rules.push(from_services(shop, &callers, main_port));
        }
        // Metrics carry no secrets; scrapers live in namespaces we cannot know.
        rules.push(NetworkPolicyIngressRule {
            from: None,
            ports: Some(vec![tcp(i32::from(kind.default_metrics_port()))]),
        });
    }
    policy(
        shop,
        names::service_object(&shop.name, kind),
        names::service_labels(&shop.name, kind, &shop.spec.version),
        names::service_selector(&shop.name, kind),
        rules,
    )
}

/// The policy of a managed dependency's pods.
pub fn for_infra(shop: &ShopRef<'_>, infra: Infra) -> NetworkPolicy {
    let rule = from_services(shop, &wiring::users_of(infra), tcp(infra.port()));
    policy(
        shop,
        infra.release(&shop.name),
        names::shop_labels(&shop.name),
        infra.pod_selector(&shop.name),
        vec![rule],
    )
}

fn policy(
    shop: &ShopRef<'_>,
    name: String,
    labels: Labels,
    pods: Labels,
    rules: Vec<NetworkPolicyIngressRule>,
) -> NetworkPolicy {
    NetworkPolicy {
        metadata: shop.owned_meta(name, labels),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(pods),
                match_expressions: None,
            }),
            // An empty rule list would still deny all: the policy type makes it explicit.
            policy_types: Some(vec!["Ingress".to_owned()]),
            ingress: Some(rules),
            egress: None,
        }),
    }
}

/// Connections on `port` from the pods of `services` of this Shop.
fn from_services(
    shop: &ShopRef<'_>,
    services: &[ServiceKind],
    port: NetworkPolicyPort,
) -> NetworkPolicyIngressRule {
    let names = services.iter().map(|s| s.name().to_owned()).collect();
    NetworkPolicyIngressRule {
        from: Some(vec![NetworkPolicyPeer {
            pod_selector: Some(LabelSelector {
                match_labels: Some(Labels::from([(
                    "app.kubernetes.io/instance".to_owned(),
                    shop.name.clone(),
                )])),
                match_expressions: Some(vec![LabelSelectorRequirement {
                    key: "app.kubernetes.io/name".to_owned(),
                    operator: "In".to_owned(),
                    values: Some(names),
                }]),
            }),
            ..NetworkPolicyPeer::default()
        }]),
        ports: Some(vec![port]),
    }
}

fn tcp(port: i32) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(port)),
        protocol: Some("TCP".to_owned()),
        end_port: None,
    }
}
