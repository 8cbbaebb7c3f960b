//! The Deployment of each service: non-root, read-only, probed, with requests and limits.

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, GRPCAction, HTTPGetAction, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shop_common::service::ServiceKind;

use super::service::main_port_name;
use super::{ShopRef, configmap, env, names};

/// The user of the service images (distroless `nonroot`).
const RUN_AS: i64 = 65532;

pub fn build(shop: &ShopRef<'_>, kind: ServiceKind, config: &ConfigMap) -> Deployment {
    let service = shop.spec.services.get(kind);
    let labels = names::service_labels(&shop.name, kind, &shop.spec.version);
    let annotations = BTreeMap::from([
        (
            "rustshop.io/config-digest".to_owned(),
            configmap::digest(config),
        ),
        ("prometheus.io/scrape".to_owned(), "true".to_owned()),
        (
            "prometheus.io/port".to_owned(),
            metrics_port(kind).to_string(),
        ),
        ("prometheus.io/path".to_owned(), "/metrics".to_owned()),
    ]);
    let pod = PodSpec {
        containers: vec![container(shop, kind)],
        // The services never call the Kubernetes API.
        automount_service_account_token: Some(false),
        enable_service_links: Some(false),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(RUN_AS),
            run_as_group: Some(RUN_AS),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_owned(),
                localhost_profile: None,
            }),
            ..PodSecurityContext::default()
        }),
        volumes: Some(vec![Volume {
            name: "tmp".to_owned(),
            empty_dir: Some(EmptyDirVolumeSource::default()),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    Deployment {
        metadata: shop.owned_meta(names::service_object(&shop.name, kind), labels.clone()),
        spec: DeploymentSpec {
            replicas: Some(service.replicas),
            revision_history_limit: Some(5),
            selector: LabelSelector {
                match_labels: Some(names::service_selector(&shop.name, kind)),
                match_expressions: None,
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    annotations: Some(annotations),
                    ..ObjectMeta::default()
                }),
                spec: Some(pod),
            },
            ..DeploymentSpec::default()
        },
        status: None,
    }
}

fn metrics_port(kind: ServiceKind) -> u16 {
    if kind.is_http() {
        kind.default_port()
    } else {
        kind.default_metrics_port()
    }
}

fn container(shop: &ShopRef<'_>, kind: ServiceKind) -> Container {
    let service = shop.spec.services.get(kind);
    let mut env_vars = env::secret_env(shop, kind);
    env_vars.extend(service.env.iter().cloned());
    let mut ports = vec![port(main_port_name(kind), kind.default_port())];
    if !kind.is_http() {
        ports.push(port("metrics", kind.default_metrics_port()));
    }
    let (liveness, readiness) = probes(kind);
    Container {
        name: kind.name().to_owned(),
        image: Some(service.image.clone().unwrap_or_else(|| {
            format!(
                "{}/{}:{}",
                shop.spec.image_repository,
                kind.name(),
                shop.spec.version
            )
        })),
        image_pull_policy: Some(shop.spec.image_pull_policy.as_str().to_owned()),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource {
                name: names::service_object(&shop.name, kind),
                optional: None,
            }),
            ..EnvFromSource::default()
        }]),
        env: (!env_vars.is_empty()).then_some(env_vars),
        ports: Some(ports),
        startup_probe: Some(Probe {
            period_seconds: Some(2),
            failure_threshold: Some(60),
            ..readiness.clone()
        }),
        readiness_probe: Some(readiness),
        liveness_probe: Some(liveness),
        resources: Some(service.resources.clone().unwrap_or_else(default_resources)),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities {
                add: None,
                drop: Some(vec!["ALL".to_owned()]),
            }),
            ..SecurityContext::default()
        }),
        volume_mounts: Some(vec![VolumeMount {
            name: "tmp".to_owned(),
            mount_path: "/tmp".to_owned(),
            ..VolumeMount::default()
        }]),
        ..Container::default()
    }
}

fn port(name: &str, number: u16) -> ContainerPort {
    ContainerPort {
        name: Some(name.to_owned()),
        container_port: i32::from(number),
        protocol: Some("TCP".to_owned()),
        ..ContainerPort::default()
    }
}

/// (liveness, readiness): the gateway's `/healthz` and `/readyz`; the gRPC health
/// checking protocol of the others, through the kubelet's native gRPC probe.
fn probes(kind: ServiceKind) -> (Probe, Probe) {
    let base = Probe {
        period_seconds: Some(10),
        timeout_seconds: Some(3),
        failure_threshold: Some(3),
        ..Probe::default()
    };
    if kind.is_http() {
        let http = |path: &str| Probe {
            http_get: Some(HTTPGetAction {
                path: Some(path.to_owned()),
                port: IntOrString::String(main_port_name(kind).to_owned()),
                ..HTTPGetAction::default()
            }),
            ..base.clone()
        };
        (http("/healthz"), http("/readyz"))
    } else {
        let grpc = Probe {
            grpc: Some(GRPCAction {
                port: i32::from(kind.default_port()),
                service: None,
                mode: None,
            }),
            ..base.clone()
        };
        (grpc.clone(), grpc)
    }
}

fn default_resources() -> ResourceRequirements {
    let quantity = |q: &str| Quantity(q.to_owned());
    ResourceRequirements {
        requests: Some(BTreeMap::from([
            ("cpu".to_owned(), quantity("50m")),
            ("memory".to_owned(), quantity("64Mi")),
        ])),
        limits: Some(BTreeMap::from([("memory".to_owned(), quantity("256Mi"))])),
        claims: None,
    }
}
