//! Sends what `build` returns: server-side apply under the operator's field manager,
//! create-once for generated Secrets, and pruning of labelled objects no longer desired.

use std::collections::BTreeSet;

use k8s_openapi::api::core::v1::Secret;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, GroupVersionKind, ListParams, Patch,
    PatchParams, PostParams,
};
use kube::{Client, ResourceExt};

use crate::build::names::{MANAGER, SHOP_LABEL};

/// The field manager of every apply.
pub const FIELD_MANAGER: &str = "shop-operator";

/// The kinds the operator applies, in the order it prunes them (dependents first).
pub const KINDS: [(&str, &str, &str, &str); 8] = [
    ("networking.k8s.io", "v1", "Ingress", "ingresses"),
    (
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
    ),
    (
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
    ),
    ("apps", "v1", "Deployment", "deployments"),
    ("apps", "v1", "StatefulSet", "statefulsets"),
    ("", "v1", "Service", "services"),
    ("", "v1", "ConfigMap", "configmaps"),
    ("", "v1", "Secret", "secrets"),
];

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("{kind} {name} has no apiVersion/kind the operator manages")]
    UnknownKind { kind: String, name: String },
    #[error("{action} {kind} {name}: {source}")]
    Api {
        action: &'static str,
        kind: String,
        name: String,
        source: kube::Error,
    },
}

/// The API resource of one of [`KINDS`].
pub fn api_resource(kind: &str) -> Option<ApiResource> {
    KINDS
        .iter()
        .find(|(_, _, k, _)| *k == kind)
        .map(|(group, version, kind, plural)| {
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural)
        })
}

fn kind_of(object: &DynamicObject) -> &str {
    object.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("")
}

/// Server-side applies `object` (forcing: the Shop is the source of truth, so fields
/// changed by hand, such as a Deployment's replicas, return to the Shop's values).
/// Returns the object as stored, status included.
pub async fn apply(
    client: &Client,
    namespace: &str,
    object: &DynamicObject,
) -> Result<DynamicObject, ApplyError> {
    let kind = kind_of(object).to_owned();
    let name = object.name_any();
    let resource = api_resource(&kind).ok_or_else(|| ApplyError::UnknownKind {
        kind: kind.clone(),
        name: name.clone(),
    })?;
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&name, &params, &Patch::Apply(object))
        .await
        .map_err(|source| ApplyError::Api {
            action: "apply",
            kind,
            name,
            source,
        })
}

/// Creates a generated Secret unless it exists: its random content is never replaced.
/// Returns whether it was created.
pub async fn create_once(
    client: &Client,
    namespace: &str,
    secret: &Secret,
) -> Result<bool, ApplyError> {
    let api: Api<Secret> = Api::namespaced(client.clone(), namespace);
    match api.create(&PostParams::default(), secret).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
        Err(source) => Err(ApplyError::Api {
            action: "create",
            kind: "Secret".to_owned(),
            name: secret.name_any(),
            source,
        }),
    }
}

/// The label selector of everything the operator applied for a Shop.
pub fn shop_selector(shop: &str) -> String {
    format!("{SHOP_LABEL}={shop},app.kubernetes.io/managed-by={MANAGER}")
}

/// Deletes the objects labelled with the Shop and owned by it (`shop_uid`) whose
/// (kind, name) is not in `desired`. Objects it does not own, such as retained database
/// credentials, are never pruned. Returns what it deleted, as `Kind/name`.
pub async fn prune(
    client: &Client,
    namespace: &str,
    (shop, shop_uid): (&str, &str),
    desired: &BTreeSet<(String, String)>,
) -> Result<Vec<String>, ApplyError> {
    let selector = shop_selector(shop);
    let mut deleted = Vec::new();
    for (_, _, kind, _) in KINDS {
        let Some(resource) = api_resource(kind) else {
            continue;
        };
        let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
        let api_error = |action, name: String| {
            move |source| ApplyError::Api {
                action,
                kind: kind.to_owned(),
                name,
                source,
            }
        };
        let existing = api
            .list_metadata(&ListParams::default().labels(&selector))
            .await
            .map_err(api_error("list", String::new()))?;
        for object in existing {
            let name = object.name_any();
            let owned = object.owner_references().iter().any(|o| o.uid == shop_uid);
            if !owned || desired.contains(&(kind.to_owned(), name.clone())) {
                continue;
            }
            api.delete(&name, &DeleteParams::background())
                .await
                .map_err(api_error("delete", name.clone()))?;
            deleted.push(format!("{kind}/{name}"));
        }
    }
    Ok(deleted)
}

/// `(ready, desired)` replicas of a Deployment or StatefulSet as returned by the API
/// server; ready only counts once the controller has seen the latest spec.
pub fn replicas(object: &DynamicObject) -> (i32, i32) {
    let number = |value: &serde_json::Value| value.as_i64().and_then(|n| i32::try_from(n).ok());
    let desired = number(&object.data["spec"]["replicas"]).unwrap_or(1);
    let status = &object.data["status"];
    let observed = status["observedGeneration"].as_i64().unwrap_or(0);
    let current = object.metadata.generation.unwrap_or(0) <= observed;
    let ready = if current {
        number(&status["readyReplicas"]).unwrap_or(0)
    } else {
        0
    };
    (ready, desired)
}
