//! The committed CRD is what the operator generates, and Kubernetes accepts its schema.

mod support;

use std::process::Command;

#[test]
fn committed_crd_is_the_generated_one() {
    let output = Command::new(env!("CARGO_BIN_EXE_shop-operator"))
        .arg("crd")
        .output()
        .unwrap();
    assert!(output.status.success());
    let generated = String::from_utf8(output.stdout).unwrap();
    let committed = std::fs::read_to_string(support::repo().join("crds/shop.yaml")).unwrap();
    assert!(
        generated == committed,
        "crds/shop.yaml is stale: run `cargo run -p shop-operator -- crd > crds/shop.yaml`"
    );
}

#[test]
fn crd_is_a_valid_custom_resource_definition() {
    support::assert_valid_manifests("crd", &shop_operator::crd_yaml().unwrap());
}

#[test]
fn example_shop_deserializes_with_the_expected_settings() {
    let text = std::fs::read_to_string(support::repo().join("examples/shop.yaml")).unwrap();
    let shop: shop_operator::crd::Shop = serde_norway::from_str(&text).unwrap();
    assert_eq!(shop.spec.services.gateway.replicas, 2);
    assert_eq!(shop.spec.ingress.host.as_deref(), Some("shop.localtest.me"));
    assert!(shop_operator::crd::validate::validate(&shop.spec).is_empty());
}
