//! The `Shop` custom resource (`rustshop.io/v1alpha1`): one rustshop platform in a namespace.
//!
//! Every field has a default, so `spec: {}` is a complete shop on managed infrastructure.
//! Field combinations that make no sense are refused by the API server through CEL rules
//! (`x-kubernetes-validations`), and again by [`validate::validate`] before the operator
//! builds anything, for objects stored before the current CRD was applied.

mod infra;
mod status;
pub mod validate;

use k8s_openapi::api::core::v1::{EnvVar, ResourceRequirements};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use shop_common::service::ServiceKind;

pub use infra::{DeletionPolicy, Dependency, ExternalSpec, InfrastructureSpec, ManagedSpec};
pub use status::{ConditionType, Phase, ServiceReplicas, ShopStatus};

/// A rustshop platform: nine services, their databases and broker, and an ingress.
// Several printer columns have the same type: not a duplicate for kube's derive.
#[allow(clippy::duplicated_attributes)]
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[kube(
    group = "rustshop.io",
    version = "v1alpha1",
    kind = "Shop",
    namespaced,
    status = "ShopStatus",
    shortname = "shop",
    category = "rustshop",
    doc = "A rustshop platform: nine services, their infrastructure and an ingress.",
    printcolumn(name = "Phase", type_ = "string", json_path = ".status.phase"),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.readyServices",
        description = "services with all replicas ready / services"
    ),
    printcolumn(name = "URL", type_ = "string", json_path = ".status.url"),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct ShopSpec {
    /// Image tag of every service.
    #[serde(default = "default_version")]
    #[schemars(length(min = 1, max = 128), pattern(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$"))]
    pub version: String,
    /// Images are `<imageRepository>/<service>:<version>`.
    #[serde(default = "default_image_repository")]
    #[schemars(length(min = 1))]
    pub image_repository: String,
    /// Pull policy of the service images (`IfNotPresent` suits images loaded into kind).
    #[serde(default)]
    pub image_pull_policy: PullPolicy,
    /// `RUST_LOG` of every service, e.g. `info` or `info,shop_orders=debug`.
    #[serde(default = "default_log_level")]
    #[schemars(length(min = 1))]
    pub log_level: String,
    /// How the gateway is exposed.
    #[serde(default)]
    pub ingress: IngressSpec,
    /// Tokens and the bootstrap admin.
    #[serde(default)]
    pub auth: AuthSpec,
    /// Per-service replicas, resources and extra environment.
    #[serde(default)]
    pub services: ServicesSpec,
    /// PostgreSQL, MongoDB, Redis and Kafka: each managed by the operator or external.
    #[serde(default)]
    pub infrastructure: InfrastructureSpec,
}

fn default_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

fn default_image_repository() -> String {
    "rustshop".to_owned()
}

fn default_log_level() -> String {
    "info".to_owned()
}

/// When the kubelet pulls service images.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum PullPolicy {
    Always,
    #[default]
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// The Ingress in front of the gateway.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.tlsSecretName) || has(self.host)")
    .message("ingress.tlsSecretName needs ingress.host: a certificate is for a host name"))]
pub struct IngressSpec {
    /// Whether to create the Ingress; without it the gateway is reachable in the cluster only.
    #[serde(default = "default_true")]
    pub enabled: bool,
    /// Host name routed to the gateway; every host when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(pattern(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"))]
    pub host: Option<String>,
    /// IngressClass; the cluster's default class when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Secret holding the TLS certificate of `host`; plain HTTP when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_secret_name: Option<String>,
    /// Namespace of the ingress controller: the only one whose pods may reach the gateway.
    #[serde(default = "default_controller_namespace")]
    pub controller_namespace: String,
}

impl Default for IngressSpec {
    fn default() -> Self {
        Self {
            enabled: true,
            host: None,
            class_name: None,
            tls_secret_name: None,
            controller_namespace: default_controller_namespace(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn default_controller_namespace() -> String {
    "ingress-nginx".to_owned()
}

/// Tokens and the bootstrap admin.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthSpec {
    /// Lifetime of access tokens: `<number><unit>`, unit one of ms, s, m, h, d.
    #[serde(default = "default_token_ttl")]
    #[schemars(pattern(r"^[0-9]+(ms|s|m|h|d)$"))]
    pub token_ttl: String,
    /// Secret with keys `email` and `password` of the bootstrap admin. When absent the
    /// operator generates `<shop>-admin` once (email `admin@rustshop.local`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_secret_ref: Option<String>,
}

impl Default for AuthSpec {
    fn default() -> Self {
        Self {
            token_ttl: default_token_ttl(),
            admin_secret_ref: None,
        }
    }
}

fn default_token_ttl() -> String {
    "1h".to_owned()
}

/// Settings of each of the nine services.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServicesSpec {
    #[serde(default)]
    pub gateway: ServiceSpec,
    #[serde(default)]
    pub auth: ServiceSpec,
    #[serde(default)]
    pub users: ServiceSpec,
    #[serde(default)]
    pub products: ServiceSpec,
    #[serde(default)]
    pub cart: ServiceSpec,
    #[serde(default)]
    pub orders: ServiceSpec,
    #[serde(default)]
    pub stock: ServiceSpec,
    #[serde(default)]
    pub shipping: ServiceSpec,
    #[serde(default)]
    pub notification: ServiceSpec,
}

impl ServicesSpec {
    /// The settings of one service.
    pub fn get(&self, kind: ServiceKind) -> &ServiceSpec {
        match kind {
            ServiceKind::Gateway => &self.gateway,
            ServiceKind::Auth => &self.auth,
            ServiceKind::Users => &self.users,
            ServiceKind::Products => &self.products,
            ServiceKind::Cart => &self.cart,
            ServiceKind::Orders => &self.orders,
            ServiceKind::Stock => &self.stock,
            ServiceKind::Shipping => &self.shipping,
            ServiceKind::Notification => &self.notification,
        }
    }

    /// The settings of one service, to change.
    pub fn get_mut(&mut self, kind: ServiceKind) -> &mut ServiceSpec {
        match kind {
            ServiceKind::Gateway => &mut self.gateway,
            ServiceKind::Auth => &mut self.auth,
            ServiceKind::Users => &mut self.users,
            ServiceKind::Products => &mut self.products,
            ServiceKind::Cart => &mut self.cart,
            ServiceKind::Orders => &mut self.orders,
            ServiceKind::Stock => &mut self.stock,
            ServiceKind::Shipping => &mut self.shipping,
            ServiceKind::Notification => &mut self.notification,
        }
    }
}

/// Settings of one service.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    /// Number of pods.
    #[serde(default = "default_replicas")]
    #[schemars(range(min = 0, max = 100))]
    pub replicas: i32,
    /// Requests and limits of the service container; sensible small defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = validate::without_nested_descriptions)]
    pub resources: Option<ResourceRequirements>,
    /// Full image reference replacing `<imageRepository>/<service>:<version>` (what Tilt
    /// sets to the image it just built).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub image: Option<String>,
    /// Extra environment variables. The variables the operator sets itself (ports,
    /// addresses, credentials) cannot be overridden here; `RUST_LOG` can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(validation = validate::reserved_env_rule())]
    #[schemars(transform = validate::bound_env_schema)]
    pub env: Vec<EnvVar>,
}

impl Default for ServiceSpec {
    fn default() -> Self {
        Self {
            replicas: default_replicas(),
            resources: None,
            image: None,
            env: Vec::new(),
        }
    }
}

fn default_replicas() -> i32 {
    1
}
