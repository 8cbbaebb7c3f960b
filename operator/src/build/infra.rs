//! Managed dependencies: their chart rendered with values from the Shop, then labelled,
//! namespaced and owned like every other object of the Shop.

use kube::api::DynamicObject;
use serde_json::{Value, json};

use super::names::{self, Infra};
use super::{BuildError, ShopRef};
use crate::crd::{DeletionPolicy, Dependency, ManagedSpec, ShopSpec};
use crate::helm::{Release, RenderChart};

/// Kinds a chart may render: the kinds `apply` knows how to send and prune.
pub const CHART_KINDS: [&str; 4] = ["Secret", "ConfigMap", "Service", "StatefulSet"];

/// The Shop's setting for one dependency.
pub fn dependency(spec: &ShopSpec, infra: Infra) -> &Dependency {
    let all = &spec.infrastructure;
    match infra {
        Infra::Postgres => &all.postgres,
        Infra::Mongodb => &all.mongodb,
        Infra::Redis => &all.redis,
        Infra::Kafka => &all.kafka,
    }
}

/// The release of a managed dependency.
pub fn release(shop: &ShopRef<'_>, infra: Infra, managed: &ManagedSpec) -> Release {
    let name = infra.release(&shop.name);
    let when_deleted = match shop.spec.infrastructure.deletion_policy {
        DeletionPolicy::Retain => "Retain",
        DeletionPolicy::Delete => "Delete",
    };
    let mut values = json!({
        "fullnameOverride": name,
        // The operator generates the credentials once (see secrets.rs).
        "auth": {"existingSecret": name},
        "podLabels": {names::SHOP_LABEL: shop.name},
        "persistence": {
            "size": managed.storage.0,
            "storageClass": managed.storage_class_name.clone().unwrap_or_default(),
            "whenDeleted": when_deleted,
        },
    });
    if let Some(resources) = &managed.resources {
        values["resources"] = serde_json::to_value(resources).unwrap_or(Value::Null);
    }
    if let Some((repository, tag)) = managed.image.as_deref().and_then(split_image) {
        values["image"] = json!({"repository": repository, "tag": tag});
    }
    Release {
        chart: infra.chart(),
        name,
        namespace: shop.namespace.clone(),
        values,
    }
}

/// `registry:5000/postgres:17` → (`registry:5000/postgres`, `17`); `None` without a tag.
fn split_image(image: &str) -> Option<(&str, &str)> {
    let (repository, tag) = image.rsplit_once(':')?;
    (!tag.contains('/')).then_some((repository, tag))
}

/// The chart of a managed dependency, rendered and made the Shop's.
pub fn render(
    shop: &ShopRef<'_>,
    infra: Infra,
    charts: &dyn RenderChart,
) -> Result<Vec<DynamicObject>, BuildError> {
    let Some(managed) = &dependency(shop.spec, infra).managed else {
        return Ok(Vec::new());
    };
    let mut objects = charts.render(&release(shop, infra, managed))?;
    for object in &mut objects {
        let kind = object.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("");
        if !CHART_KINDS.contains(&kind) {
            return Err(BuildError::UnsupportedKind {
                chart: infra.chart().to_owned(),
                kind: kind.to_owned(),
            });
        }
        adopt(shop, object);
    }
    // Apply order: what others refer to first.
    objects.sort_by_key(|o| {
        let kind = o.types.as_ref().map(|t| t.kind.as_str()).unwrap_or("");
        CHART_KINDS.iter().position(|k| *k == kind)
    });
    Ok(objects)
}

/// Puts a rendered object in the Shop's namespace, with its labels and owner.
fn adopt(shop: &ShopRef<'_>, object: &mut DynamicObject) {
    let meta = &mut object.metadata;
    meta.namespace = Some(shop.namespace.clone());
    meta.labels
        .get_or_insert_with(Default::default)
        .extend(names::shop_labels(&shop.name));
    meta.owner_references = shop.owner_references();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_with_registry_port_splits_at_the_tag() {
        assert_eq!(
            split_image("registry:5000/postgres:17"),
            Some(("registry:5000/postgres", "17"))
        );
        assert_eq!(split_image("registry:5000/postgres"), None);
    }
}
