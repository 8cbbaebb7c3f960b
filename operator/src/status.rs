//! The status of a Shop: phase, conditions with reasons, per-service replicas, the URL.
//! Computed from what reconcile observed (pure), then written to the status subresource.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;
use kube::api::{Api, Patch, PatchParams};
use kube::{Client, ResourceExt};
use serde_json::json;

use crate::apply::FIELD_MANAGER;
use crate::crd::{ConditionType, Phase, ServiceReplicas, Shop, ShopStatus};

/// What one reconcile found out.
#[derive(Debug, Clone, PartialEq)]
pub enum Observed {
    /// The spec cannot be built or applied: (reason, message).
    Failed { reason: String, message: String },
    /// Infrastructure is applied; these StatefulSets are not ready yet.
    InfraNotReady { waiting: Vec<String> },
    /// Everything is applied; replicas of each service.
    Applied {
        services: BTreeMap<String, ServiceReplicas>,
    },
}

/// The status describing `observed` for the Shop's current generation. Conditions keep
/// their `lastTransitionTime` while their status stays the same.
pub fn compute(
    shop: &Shop,
    observed: &Observed,
    url: Option<String>,
    now: Timestamp,
) -> ShopStatus {
    let generation = shop.metadata.generation;
    let previous = shop.status.clone().unwrap_or_default();
    let (phase, infra, services, service_replicas) = match observed {
        Observed::Failed { reason, message } => (
            Phase::Failed,
            (false, reason.clone(), message.clone()),
            (false, reason.clone(), message.clone()),
            previous.services.clone(),
        ),
        Observed::InfraNotReady { waiting } => (
            Phase::Provisioning,
            (
                false,
                "StatefulSetsNotReady".into(),
                format!("waiting for {}", waiting.join(", ")),
            ),
            (
                false,
                "WaitingForInfrastructure".into(),
                "services are rolled out once the infrastructure is ready".into(),
            ),
            previous.services.clone(),
        ),
        Observed::Applied { services } => {
            let waiting: Vec<&str> = services
                .iter()
                .filter(|(_, r)| r.ready < r.desired)
                .map(|(name, _)| name.as_str())
                .collect();
            let services_condition = if waiting.is_empty() {
                (
                    true,
                    "AllReplicasReady".into(),
                    "every service has all its replicas ready".into(),
                )
            } else {
                (
                    false,
                    "ReplicasNotReady".into(),
                    format!("waiting for {}", waiting.join(", ")),
                )
            };
            let phase = if waiting.is_empty() {
                Phase::Ready
            } else {
                Phase::Deploying
            };
            let infra = (
                true,
                "Ready".into(),
                "every managed dependency is ready".into(),
            );
            (phase, infra, services_condition, services.clone())
        }
    };
    let ready = if infra.0 && services.0 {
        (
            true,
            "Ready".to_owned(),
            "the shop serves requests".to_owned(),
        )
    } else if !infra.0 {
        (false, infra.1.clone(), infra.2.clone())
    } else {
        (false, services.1.clone(), services.2.clone())
    };
    let condition = |kind: ConditionType, (status, reason, message): (bool, String, String)| {
        let status = if status { "True" } else { "False" };
        let since = previous
            .conditions
            .iter()
            .find(|c| c.type_ == kind.as_str() && c.status == status)
            .map(|c| c.last_transition_time.clone())
            .unwrap_or(Time(now));
        Condition {
            type_: kind.as_str().to_owned(),
            status: status.to_owned(),
            reason,
            message,
            observed_generation: generation,
            last_transition_time: since,
        }
    };
    let ready_count = service_replicas
        .values()
        .filter(|r| r.ready >= r.desired)
        .count();
    ShopStatus {
        observed_generation: generation,
        phase: Some(phase),
        conditions: vec![
            condition(ConditionType::InfrastructureReady, infra),
            condition(ConditionType::ServicesReady, services),
            condition(ConditionType::Ready, ready),
        ],
        ready_services: Some(format!(
            "{ready_count}/{}",
            shop_common::service::ServiceKind::ALL.len()
        )),
        services: service_replicas,
        url,
    }
}

/// Writes the status subresource by server-side apply.
pub async fn write(client: &Client, shop: &Shop, status: &ShopStatus) -> Result<(), kube::Error> {
    let namespace = shop.namespace().unwrap_or_default();
    let api: Api<Shop> = Api::namespaced(client.clone(), &namespace);
    let patch = json!({
        "apiVersion": "rustshop.io/v1alpha1",
        "kind": "Shop",
        "status": status,
    });
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch_status(&shop.name_any(), &params, &Patch::Apply(&patch))
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crd::ShopSpec;

    fn shop(generation: i64) -> Shop {
        let mut shop = Shop::new("shop", serde_json::from_str::<ShopSpec>("{}").unwrap());
        shop.metadata.generation = Some(generation);
        shop
    }

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn waiting_infrastructure_holds_services_back() {
        let observed = Observed::InfraNotReady {
            waiting: vec!["shop-kafka".into()],
        };
        let status = compute(&shop(3), &observed, None, at(10));
        assert_eq!(status.phase, Some(Phase::Provisioning));
        let reasons: Vec<(&str, &str, &str)> = status
            .conditions
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str(), c.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("InfrastructureReady", "False", "StatefulSetsNotReady"),
                ("ServicesReady", "False", "WaitingForInfrastructure"),
                ("Ready", "False", "StatefulSetsNotReady"),
            ]
        );
        assert!(
            status
                .conditions
                .iter()
                .all(|c| c.observed_generation == Some(3))
        );
    }

    #[test]
    fn unchanged_conditions_keep_their_transition_time() {
        let mut shop = shop(1);
        let observed = Observed::InfraNotReady {
            waiting: vec!["x".into()],
        };
        shop.status = Some(compute(&shop, &observed, None, at(10)));
        let applied = Observed::Applied {
            services: BTreeMap::from([(
                "users".into(),
                ServiceReplicas {
                    ready: 0,
                    desired: 1,
                },
            )]),
        };
        let status = compute(&shop, &applied, None, at(20));
        let time = |kind: &str| {
            status
                .conditions
                .iter()
                .find(|c| c.type_ == kind)
                .unwrap()
                .last_transition_time
                .0
        };
        assert_eq!(time("InfrastructureReady"), at(20));
        assert_eq!(time("ServicesReady"), at(10));
        assert_eq!(status.phase, Some(Phase::Deploying));
        assert_eq!(status.ready_services.as_deref(), Some("0/9"));
    }
}
