//! What the operator reports about a `Shop`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The observed state of a Shop, written by the operator only.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ShopStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Where the rollout stands, in one word.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<Phase>,
    /// `InfrastructureReady`, `ServicesReady` and `Ready`, each with a reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    #[schemars(transform = super::validate::without_nested_descriptions)]
    pub conditions: Vec<Condition>,
    /// Ready and desired replicas of each service, by service name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub services: BTreeMap<String, ServiceReplicas>,
    /// `<services with every replica ready>/<services>`, e.g. `9/9`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_services: Option<String>,
    /// Where the HTTP API is reachable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// The rollout stage of a Shop.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum Phase {
    /// Managed infrastructure is starting; services are held back.
    Provisioning,
    /// Infrastructure is ready; services are rolling out.
    Deploying,
    /// Every service has all its replicas ready.
    Ready,
    /// The spec cannot be built or applied; see the conditions.
    Failed,
}

/// Ready and desired replicas of one service.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ServiceReplicas {
    pub ready: i32,
    pub desired: i32,
}

/// The condition types of a Shop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionType {
    /// Every managed StatefulSet is ready (and every external Secret is referenced).
    InfrastructureReady,
    /// Every service Deployment has all its replicas ready.
    ServicesReady,
    /// Both of the above, for the current generation.
    Ready,
}

impl ConditionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionType::InfrastructureReady => "InfrastructureReady",
            ConditionType::ServicesReady => "ServicesReady",
            ConditionType::Ready => "Ready",
        }
    }
}
