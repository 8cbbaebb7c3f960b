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
///
/// Keys are sorted throughout: schema defaults are raw JSON whose key order would
/// otherwise depend on whether the build enables serde_json's `preserve_order`, and
/// the committed file must not change with the set of crates being built.
pub fn crd_yaml() -> Result<String, serde_norway::Error> {
    use kube::CustomResourceExt;
    let crd = serde_json::to_value(crd::Shop::crd())
        .map_err(<serde_norway::Error as serde::ser::Error>::custom)?;
    serde_norway::to_string(&render::sorted(crd))
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod reconcile_tests;
