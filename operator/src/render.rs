//! `shop-operator render`: the objects the reconciler would apply for a Shop read from a
//! file, as one YAML stream, without a cluster.

use std::path::Path;

use kube::api::DynamicObject;

use crate::build::{self, BuildError, Desired, RandomSecrets, ShopRef, dynamic};
use crate::crd::Shop;
use crate::helm::RenderChart;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} is not a Shop: {source}")]
    Parse {
        path: String,
        source: serde_norway::Error,
    },
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error("cannot write YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
}

/// Reads a Shop manifest; Shops without a namespace land in `default_namespace`.
pub fn render_file(
    path: &Path,
    default_namespace: &str,
    charts: &dyn RenderChart,
) -> Result<String, RenderError> {
    let display = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| RenderError::Read {
        path: display.clone(),
        source,
    })?;
    let shop: Shop = serde_norway::from_str(&text).map_err(|source| RenderError::Parse {
        path: display,
        source,
    })?;
    let shop_ref = ShopRef::new(&shop, Some(default_namespace))?;
    let desired = build::build(&shop_ref, charts, &mut RandomSecrets)?;
    to_yaml_stream(&desired)
}

/// Every object of `desired`, in apply order, as `---`-separated YAML documents.
pub fn to_yaml_stream(desired: &Desired) -> Result<String, RenderError> {
    let mut objects: Vec<DynamicObject> = Vec::new();
    for secret in &desired.generated {
        objects.push(dynamic(secret)?);
    }
    objects.extend(desired.infra.iter().cloned());
    objects.extend(desired.services.iter().cloned());
    let mut stream = String::new();
    for object in objects {
        // apiVersion, kind and metadata keep their place; the body's keys are sorted.
        let object = DynamicObject {
            data: sorted(object.data),
            ..object
        };
        stream.push_str("---\n");
        stream.push_str(&serde_norway::to_string(&object)?);
    }
    Ok(stream)
}

/// The value with every object's keys in sorted order, so the rendered stream is the
/// same byte for byte whatever order the charts wrote (and whether or not the build
/// enables serde_json's `preserve_order`): reviewable diffs and stable snapshots.
pub(crate) fn sorted(value: serde_json::Value) -> serde_json::Value {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.into_iter().map(sorted).collect())
        }
        other => other,
    }
}
