//! `shop-operator render -f examples/shop.yaml`: what a reviewer sees without a cluster.

mod support;

use std::process::Command;

#[test]
fn rendering_the_example_prints_every_object_as_valid_kubernetes_yaml() {
    let output = Command::new(env!("CARGO_BIN_EXE_shop-operator"))
        .args(["render", "-f"])
        .arg(support::repo().join("examples/shop.yaml"))
        .env("HELM_BIN", support::helm_bin())
        .env("CHARTS_DIR", support::repo().join("charts"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "render failed: {stderr}");
    let yaml = String::from_utf8(output.stdout).unwrap();
    for object in [
        "kind: StatefulSet\nmetadata:\n  labels:\n    app.kubernetes.io/component: database\n    app.kubernetes.io/instance: shop-postgresql",
        "kind: Ingress",
        "name: shop-gateway",
    ] {
        assert!(yaml.contains(object), "missing {object}");
    }
    assert_eq!(yaml.matches("kind: Deployment\n").count(), 9);
    support::assert_valid_manifests("render-example", &yaml);
}

#[test]
fn rendering_an_invalid_shop_fails_with_the_reason() {
    let path = std::env::temp_dir().join(format!("invalid-shop-{}.yaml", std::process::id()));
    let shop = "apiVersion: rustshop.io/v1alpha1\nkind: Shop\nmetadata: {name: s}\nspec:\n  services:\n    cart:\n      env: [{name: MONGODB_URI, value: x}]\n";
    std::fs::write(&path, shop).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_shop-operator"))
        .args(["render", "-f"])
        .arg(&path)
        .env("HELM_BIN", support::helm_bin())
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("spec.services.cart.env: MONGODB_URI is set by the operator"),
        "{stderr}"
    );
}
