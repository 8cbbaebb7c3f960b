//! A PodDisruptionBudget per service: voluntary evictions (node drains) take one pod of a
//! service at a time.

use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use shop_common::service::ServiceKind;

use super::{ShopRef, names};

pub fn build(shop: &ShopRef<'_>, kind: ServiceKind) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: shop.owned_meta(
            names::service_object(&shop.name, kind),
            names::service_labels(&shop.name, kind, &shop.spec.version),
        ),
        spec: Some(PodDisruptionBudgetSpec {
            // maxUnavailable rather than minAvailable: a single-replica service can
            // still be drained.
            max_unavailable: Some(IntOrString::Int(1)),
            selector: Some(LabelSelector {
                match_labels: Some(names::service_selector(&shop.name, kind)),
                match_expressions: None,
            }),
            ..PodDisruptionBudgetSpec::default()
        }),
        status: None,
    }
}
