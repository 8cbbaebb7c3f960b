//! What the operator's tests share: the Kubernetes tools (found, never skipped), strict
//! schema validation, Shops to build and a deterministic secret source.
#![allow(dead_code)] // each test binary uses a part

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use shop_operator::build::{self, Desired, SecretSource, ShopRef};
use shop_operator::crd::Shop;
use shop_operator::helm::Helm;

const INSTALL_HINT: &str =
    "run scripts/k8s-tools.sh install (or set HELM_BIN / KUBERNETES_VALIDATE_BIN)";

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$RUSTSHOP_CACHE/tools/bin/<tool>`, where scripts/k8s-tools.sh installs.
fn cached_tool(tool: &str) -> Option<PathBuf> {
    let cache = std::env::var_os("RUSTSHOP_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/rustshop")))?;
    Some(cache.join("tools/bin").join(tool)).filter(|p| p.is_file())
}

/// A tool from its variable, the cache or PATH; fails the test when absent.
fn tool(variable: &str, name: &str) -> PathBuf {
    let found = std::env::var_os(variable)
        .map(PathBuf::from)
        .or_else(|| cached_tool(name))
        .unwrap_or_else(|| PathBuf::from(name));
    match Command::new(&found).arg("--help").output() {
        Ok(output) if output.status.success() => found,
        _ => panic!("{name} not found at {}: {INSTALL_HINT}", found.display()),
    }
}

pub fn helm_bin() -> PathBuf {
    tool("HELM_BIN", "helm")
}

/// Helm over the repository's charts.
pub fn helm() -> Helm {
    Helm::new(helm_bin(), repo().join("charts"))
}

/// Validates a YAML stream against the Kubernetes schemas, refusing unknown fields.
pub fn assert_valid_manifests(label: &str, yaml: &str) {
    let validator = tool("KUBERNETES_VALIDATE_BIN", "kubernetes-validate");
    let mut file = tempfile(label);
    file.1.write_all(yaml.as_bytes()).unwrap();
    let output = Command::new(validator)
        .args(["--strict", "--quiet", "--no-warn"])
        .arg(&file.0)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file.0);
    assert!(
        output.status.success(),
        "{label} does not validate:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn tempfile(label: &str) -> (PathBuf, std::fs::File) {
    let path =
        std::env::temp_dir().join(format!("shop-operator-{}-{label}.yaml", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    (path, file)
}

/// A Shop as stored by the API server: namespaced, with a uid and a generation.
pub fn shop(spec_yaml: &str) -> Shop {
    let manifest = format!(
        "apiVersion: rustshop.io/v1alpha1\nkind: Shop\nmetadata:\n  name: shop\n  namespace: store\n  uid: 1b2c3d4e-0000-4000-8000-000000000001\n  generation: 1\nspec:\n{}",
        indent(spec_yaml)
    );
    serde_norway::from_str(&manifest).unwrap()
}

fn indent(yaml: &str) -> String {
    if yaml.trim().is_empty() {
        return "  {}\n".to_owned();
    }
    yaml.lines().map(|l| format!("  {l}\n")).collect()
}

/// Secrets that are the same on every run, so built objects can be snapshotted.
#[derive(Default)]
pub struct FixedSecrets {
    count: u32,
}

impl SecretSource for FixedSecrets {
    fn password(&mut self) -> String {
        self.count += 1;
        format!("password{}", self.count)
    }

    fn kafka_cluster_id(&mut self) -> String {
        "MkU3OEVBNTcwNTJENDM2Qk".to_owned()
    }

    fn ed25519_pem(&mut self) -> (String, String) {
        ("<private key>".to_owned(), "<public key>".to_owned())
    }
}

/// Builds a Shop with the repository's charts and fixed secrets.
pub fn build(shop: &Shop) -> Desired {
    let shop = ShopRef::new(shop, None).unwrap();
    build::build(&shop, &helm(), &mut FixedSecrets::default()).unwrap()
}
