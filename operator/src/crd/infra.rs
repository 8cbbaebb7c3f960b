//! The infrastructure part of a `Shop`: each dependency managed by the operator (a chart
//! of `charts/` rendered and applied) or external (connection settings in a Secret).

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use kube::KubeSchema;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// PostgreSQL, MongoDB, Redis and Kafka.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureSpec {
    /// Databases of users, products and orders. External: a Secret with keys
    /// `USERS_DATABASE_URL`, `PRODUCTS_DATABASE_URL` and `ORDERS_DATABASE_URL`.
    #[serde(default)]
    pub postgres: Dependency,
    /// Carts. External: a Secret with key `MONGODB_URI`.
    #[serde(default)]
    pub mongodb: Dependency,
    /// The product cache. External: a Secret with key `REDIS_URL`.
    #[serde(default)]
    pub redis: Dependency,
    /// Order events. External: a Secret with key `KAFKA_BROKERS` (`host:port,...`).
    #[serde(default)]
    pub kafka: Dependency,
    /// What happens to the data volumes and database credentials of managed
    /// dependencies when the Shop is deleted.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
}

/// The fate of managed data when its Shop is deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DeletionPolicy {
    /// Volumes and credentials stay: a Shop of the same name finds its data again.
    #[default]
    Retain,
    /// Volumes and credentials are deleted with the Shop.
    Delete,
}

/// One dependency: exactly one of `managed` or `external`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.managed) != has(self.external)")
    .message("set exactly one of managed or external"))]
pub struct Dependency {
    /// Run by the operator from its bundled chart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<ManagedSpec>,
    /// Run elsewhere; the services read its address from a Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external: Option<ExternalSpec>,
}

impl Default for Dependency {
    fn default() -> Self {
        Self {
            managed: Some(ManagedSpec::default()),
            external: None,
        }
    }
}

impl Dependency {
    /// A managed dependency with default settings.
    pub fn managed() -> Self {
        Self::default()
    }

    /// An external dependency whose settings are in Secret `secret_name`.
    pub fn external(secret_name: &str) -> Self {
        Self {
            managed: None,
            external: Some(ExternalSpec {
                secret_name: secret_name.to_owned(),
            }),
        }
    }
}

/// A dependency the operator runs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSpec {
    /// Size of the data volume.
    #[serde(default = "default_storage")]
    #[schemars(transform = super::validate::without_nested_descriptions)]
    pub storage: Quantity,
    /// StorageClass of the data volume; the cluster's default when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    /// Requests and limits of the server container; the chart's defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(transform = super::validate::without_nested_descriptions)]
    pub resources: Option<ResourceRequirements>,
    /// Image (`repository:tag`) replacing the chart's official one, e.g. a mirror.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
}

impl Default for ManagedSpec {
    fn default() -> Self {
        Self {
            storage: default_storage(),
            storage_class_name: None,
            resources: None,
            image: None,
        }
    }
}

fn default_storage() -> Quantity {
    Quantity("1Gi".to_owned())
}

/// A dependency run elsewhere.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSpec {
    /// Secret in the Shop's namespace with the connection variables of this dependency.
    #[schemars(length(min = 1))]
    pub secret_name: String,
}
