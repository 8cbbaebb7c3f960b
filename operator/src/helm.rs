//! Renders the infra charts of `charts/` with `helm template`: the operator applies the
//! manifests itself (server-side apply, owned by the Shop), so no Helm release state lives
//! in the cluster and drift is corrected like for every other object.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use kube::api::DynamicObject;
use serde::Deserialize;

/// One chart to render: `helm template <name> <charts>/<chart> -n <namespace> -f <values>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Release {
    pub chart: &'static str,
    pub name: String,
    pub namespace: String,
    pub values: serde_json::Value,
}

/// Turns a release into manifests. [`Helm`] in production; tests of the reconciler give a
/// fixed list instead, so that they assert requests without depending on chart details.
pub trait RenderChart: Send + Sync {
    fn render(&self, release: &Release) -> Result<Vec<DynamicObject>, HelmError>;
}

#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    #[error(
        "cannot run {bin} (install helm, or run scripts/k8s-tools.sh install and set HELM_BIN): {source}"
    )]
    Spawn { bin: String, source: std::io::Error },
    #[error("helm template of chart {chart} failed: {stderr}")]
    Failed { chart: String, stderr: String },
    #[error(
        "helm template of chart {chart} printed a manifest that is not a Kubernetes object: {reason}"
    )]
    Parse { chart: String, reason: String },
}

/// The helm CLI and the folder holding the charts.
#[derive(Debug, Clone)]
pub struct Helm {
    bin: PathBuf,
    charts_dir: PathBuf,
}

impl Helm {
    pub fn new(bin: impl Into<PathBuf>, charts_dir: impl Into<PathBuf>) -> Self {
        Self {
            bin: bin.into(),
            charts_dir: charts_dir.into(),
        }
    }

    /// The helm binary: `HELM_BIN`, else the one `scripts/k8s-tools.sh install` put in
    /// `${RUSTSHOP_CACHE:-~/.cache/rustshop}/tools/bin`, else `helm` from `PATH`.
    pub fn locate_bin() -> PathBuf {
        if let Some(bin) = std::env::var_os("HELM_BIN") {
            return PathBuf::from(bin);
        }
        let cache = std::env::var_os("RUSTSHOP_CACHE")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/rustshop")));
        match cache.map(|c| c.join("tools/bin/helm")) {
            Some(cached) if cached.is_file() => cached,
            _ => PathBuf::from("helm"),
        }
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    pub fn charts_dir(&self) -> &Path {
        &self.charts_dir
    }

    fn run_template(&self, release: &Release) -> Result<String, HelmError> {
        let chart_path = self.charts_dir.join(release.chart);
        let spawn_error = |source| HelmError::Spawn {
            bin: self.bin.display().to_string(),
            source,
        };
        let mut child = Command::new(&self.bin)
            .arg("template")
            .arg(&release.name)
            .arg(&chart_path)
            .args(["--namespace", &release.namespace, "--values", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(spawn_error)?;
        // JSON is YAML: the values go through stdin as they are.
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(release.values.to_string().as_bytes())
                .map_err(spawn_error)?;
        }
        let output = child.wait_with_output().map_err(spawn_error)?;
        if !output.status.success() {
            return Err(HelmError::Failed {
                chart: release.chart.to_owned(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        String::from_utf8(output.stdout).map_err(|e| HelmError::Parse {
            chart: release.chart.to_owned(),
            reason: e.to_string(),
        })
    }
}

impl RenderChart for Helm {
    fn render(&self, release: &Release) -> Result<Vec<DynamicObject>, HelmError> {
        let manifests = self.run_template(release)?;
        parse_manifests(&manifests).map_err(|reason| HelmError::Parse {
            chart: release.chart.to_owned(),
            reason,
        })
    }
}

/// Every object of a YAML stream, empty documents skipped.
pub fn parse_manifests(stream: &str) -> Result<Vec<DynamicObject>, String> {
    let mut objects = Vec::new();
    for document in serde_norway::Deserializer::from_str(stream) {
        let value = serde_json::Value::deserialize(document).map_err(|e| e.to_string())?;
        if value.is_null() {
            continue;
        }
        let object: DynamicObject = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if object.types.is_none() {
            return Err(format!(
                "{} has no apiVersion or kind",
                object.metadata.name.unwrap_or_default()
            ));
        }
        objects.push(object);
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_documents_are_skipped() {
        let stream =
            "---\n# Source: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\n";
        let objects = parse_manifests(stream).unwrap();
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].metadata.name.as_deref(), Some("a"));
    }

    #[test]
    fn a_document_without_kind_is_an_error() {
        let error = parse_manifests("metadata:\n  name: a\n").unwrap_err();
        assert!(error.contains("a has no apiVersion"), "{error}");
    }
}
