//! The rustshop operator: reconciles `Shop` custom resources into the nine services,
//! their infrastructure (charts rendered with Helm) and an ingress.

pub mod apply;
pub mod build;
pub mod controller;
pub mod crd;
pub mod helm;
pub mod metrics;
pub mod render;
pub mod run;
pub mod status;

/// The CRD of `Shop` as YAML: what `shop-operator crd` prints and `crds/shop.yaml` holds.
pub fn crd_yaml() -> Result<String, serde_norway::Error> {
    use kube::CustomResourceExt;
    serde_norway::to_string(&crd::Shop::crd())
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod reconcile_tests;
