//! The desired state of a Shop: every object the operator applies, built by pure
//! functions from the Shop alone (plus the charts, rendered by `helm template`).
//! No API calls here: `apply` sends what `build` returns.

mod configmap;
mod deployment;
mod env;
mod infra;
mod ingress;
pub mod names;
mod networkpolicy;
mod pdb;
pub mod secrets;
mod service;
pub mod wiring;

use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use kube::api::DynamicObject;
use kube::{Resource, ResourceExt};
use serde::Serialize;
use shop_common::service::ServiceKind;

use crate::crd::validate::{Violation, validate};
use crate::crd::{Shop, ShopSpec};
use crate::helm::{HelmError, RenderChart};

pub use names::Infra;
pub use secrets::{RandomSecrets, SecretSource};

/// Everything the operator applies for one Shop, in the order it applies it.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    /// Credentials and keys: created when absent, never updated (they are random).
    pub generated: Vec<Secret>,
    /// The managed dependencies' manifests and their NetworkPolicies.
    pub infra: Vec<DynamicObject>,
    /// The services' ConfigMaps, Services, Deployments, PDBs, NetworkPolicies and Ingress.
    pub services: Vec<DynamicObject>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("the Shop is invalid: {}", join(.0))]
    Invalid(Vec<Violation>),
    #[error("the Shop has no {0} (it was not read from the API server)")]
    MissingMetadata(&'static str),
    #[error(transparent)]
    Chart(#[from] HelmError),
    #[error("chart {chart} renders a {kind}, which the operator does not manage")]
    UnsupportedKind { chart: String, kind: String },
    #[error("cannot encode {0}: {1}")]
    Encode(String, serde_json::Error),
}

fn join(violations: &[Violation]) -> String {
    let all: Vec<String> = violations.iter().map(ToString::to_string).collect();
    all.join("; ")
}

/// The Shop being built, with what every builder needs: its name, namespace, spec and
/// the owner reference objects carry.
pub struct ShopRef<'a> {
    pub name: String,
    pub namespace: String,
    pub spec: &'a ShopSpec,
    /// Absent when rendering a Shop that was never stored (no uid to point at).
    owner: Option<OwnerReference>,
}

impl<'a> ShopRef<'a> {
    /// Reads name, namespace and uid; `default_namespace` serves Shops from a file.
    pub fn new(shop: &'a Shop, default_namespace: Option<&str>) -> Result<Self, BuildError> {
        let namespace = shop
            .namespace()
            .or_else(|| default_namespace.map(str::to_owned))
            .ok_or(BuildError::MissingMetadata("namespace"))?;
        let name = shop
            .meta()
            .name
            .clone()
            .ok_or(BuildError::MissingMetadata("name"))?;
        Ok(Self {
            name,
            namespace,
            spec: &shop.spec,
            owner: shop.controller_owner_ref(&()),
        })
    }

    /// Metadata of an object owned by the Shop.
    pub fn owned_meta(&self, name: String, labels: names::Labels) -> ObjectMeta {
        ObjectMeta {
            owner_references: self.owner.clone().map(|owner| vec![owner]),
            ..self.unowned_meta(name, labels)
        }
    }

    /// Metadata of an object that outlives the Shop (retained credentials).
    pub fn unowned_meta(&self, name: String, labels: names::Labels) -> ObjectMeta {
        ObjectMeta {
            name: Some(name),
            namespace: Some(self.namespace.clone()),
            labels: Some(labels),
            ..ObjectMeta::default()
        }
    }

    fn owner_references(&self) -> Option<Vec<OwnerReference>> {
        self.owner.clone().map(|owner| vec![owner])
    }

    /// Whether a dependency is run by the operator.
    pub fn is_managed(&self, infra: Infra) -> bool {
        infra::dependency(self.spec, infra).managed.is_some()
    }

    /// Where clients reach a service: `http://<shop>-users:50052`.
    pub fn service_url(&self, kind: ServiceKind) -> String {
        format!(
            "http://{}:{}",
            names::service_object(&self.name, kind),
            kind.default_port()
        )
    }
}

/// Builds every object of a Shop. Fails, building nothing, when the spec is invalid.
pub fn build(
    shop: &ShopRef<'_>,
    charts: &dyn RenderChart,
    secrets: &mut dyn SecretSource,
) -> Result<Desired, BuildError> {
    let violations = validate(shop.spec);
    if !violations.is_empty() {
        return Err(BuildError::Invalid(violations));
    }
    let mut desired = Desired {
        generated: secrets::generated(shop, secrets),
        ..Desired::default()
    };
    for infra in Infra::ALL.into_iter().filter(|i| shop.is_managed(*i)) {
        desired.infra.extend(infra::render(shop, infra, charts)?);
        desired
            .infra
            .push(dynamic(&networkpolicy::for_infra(shop, infra))?);
    }
    for kind in ServiceKind::ALL {
        let config = configmap::build(shop, kind);
        let deployment = deployment::build(shop, kind, &config);
        desired.services.push(dynamic(&config)?);
        desired.services.push(dynamic(&service::build(shop, kind))?);
        desired.services.push(dynamic(&deployment)?);
        desired.services.push(dynamic(&pdb::build(shop, kind))?);
        desired
            .services
            .push(dynamic(&networkpolicy::for_service(shop, kind))?);
    }
    if let Some(ingress) = ingress::build(shop) {
        desired.services.push(dynamic(&ingress)?);
    }
    Ok(desired)
}

/// A typed object as the dynamic object `apply` sends.
pub fn dynamic<K: Resource<DynamicType = ()> + Serialize>(
    object: &K,
) -> Result<DynamicObject, BuildError> {
    let describe = || {
        format!(
            "{} {}",
            K::kind(&()),
            object.meta().name.as_deref().unwrap_or("")
        )
    };
    let value = serde_json::to_value(object).map_err(|e| BuildError::Encode(describe(), e))?;
    serde_json::from_value(value).map_err(|e| BuildError::Encode(describe(), e))
}

/// The URL where the HTTP API of the Shop is reachable.
pub fn url(shop: &ShopRef<'_>) -> String {
    let ingress = &shop.spec.ingress;
    match (&ingress.host, ingress.enabled) {
        (Some(host), true) if ingress.tls_secret_name.is_some() => format!("https://{host}"),
        (Some(host), true) => format!("http://{host}"),
        _ => format!(
            "http://{}.{}.svc:{}",
            names::service_object(&shop.name, ServiceKind::Gateway),
            shop.namespace,
            ServiceKind::Gateway.default_port()
        ),
    }
}
