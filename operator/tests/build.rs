//! The objects built for a Shop: snapshots reviewed by hand (under `tests/snapshots/`),
//! strict validation against the Kubernetes schemas, and the rules they must keep.

mod support;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::DynamicObject;
use shop_operator::build::{self, BuildError, Desired, ShopRef};
use shop_operator::render::to_yaml_stream;
use support::{FixedSecrets, build as build_shop, shop};

/// One line per object, and for Deployments what varies between Shops.
fn summary(desired: &Desired) -> String {
    let mut lines: Vec<String> = desired
        .generated
        .iter()
        .map(|s| {
            format!(
                "Secret/{} (generated)",
                s.metadata.name.as_deref().unwrap_or("")
            )
        })
        .collect();
    for object in desired.infra.iter().chain(&desired.services) {
        let kind = &object.types.as_ref().unwrap().kind;
        let name = object.metadata.name.as_deref().unwrap_or("");
        let mut line = format!("{kind}/{name}");
        if kind == "Deployment" {
            let deployment: Deployment = typed(object);
            let container = &deployment.spec.template.spec.as_ref().unwrap().containers[0];
            let env: Vec<&str> = container
                .env
                .iter()
                .flatten()
                .map(|e| e.name.as_str())
                .collect();
            line += &format!(
                " replicas={} env=[{}]",
                deployment.spec.replicas.unwrap(),
                env.join(",")
            );
        }
        lines.push(line);
    }
    lines.join("\n") + "\n"
}

fn typed<K: serde::de::DeserializeOwned>(object: &DynamicObject) -> K {
    serde_json::from_value(serde_json::to_value(object).unwrap()).unwrap()
}

fn find<'a>(desired: &'a Desired, kind: &str, name: &str) -> Option<&'a DynamicObject> {
    desired.infra.iter().chain(&desired.services).find(|o| {
        o.types.as_ref().unwrap().kind == kind && o.metadata.name.as_deref() == Some(name)
    })
}

fn yaml(desired: &Desired) -> String {
    to_yaml_stream(desired).unwrap()
}

#[test]
fn default_shop_builds_the_reviewed_objects() {
    let desired = build_shop(&shop(""));
    let yaml = yaml(&desired);
    insta::assert_snapshot!("default_shop", yaml);
    support::assert_valid_manifests("default", &yaml);
}

#[test]
fn external_kafka_reads_brokers_from_its_secret_and_runs_no_broker() {
    let desired = build_shop(&shop(
        "infrastructure:\n  kafka:\n    external: {secretName: brokers}",
    ));
    insta::assert_snapshot!("external_kafka", summary(&desired));
    support::assert_valid_manifests("external-kafka", &yaml(&desired));
    assert!(find(&desired, "StatefulSet", "shop-kafka").is_none());
    let orders: Deployment = typed(find(&desired, "Deployment", "shop-orders").unwrap());
    let container = &orders.spec.template.spec.unwrap().containers[0];
    let brokers = container
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "KAFKA_BROKERS")
        .unwrap();
    let from = brokers
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(
        (from.name.as_str(), from.key.as_str()),
        ("brokers", "KAFKA_BROKERS")
    );
    let config: ConfigMap = typed(find(&desired, "ConfigMap", "shop-orders").unwrap());
    assert!(!config.data.unwrap().contains_key("KAFKA_BROKERS"));
}

#[test]
fn custom_replicas_resources_and_images_reach_the_deployments() {
    let desired = build_shop(&shop(
        "services:\n  gateway: {replicas: 3, image: 'rustshop/gateway:tilt-1'}\n  cart:\n    replicas: 0\n    resources: {limits: {memory: 1Gi}}",
    ));
    insta::assert_snapshot!("custom_replicas", summary(&desired));
    support::assert_valid_manifests("custom-replicas", &yaml(&desired));
    let cart: Deployment = typed(find(&desired, "Deployment", "shop-cart").unwrap());
    let container = &cart.spec.template.spec.unwrap().containers[0];
    let limits = container
        .resources
        .as_ref()
        .unwrap()
        .limits
        .as_ref()
        .unwrap();
    assert_eq!(limits["memory"].0, "1Gi");
    let gateway: Deployment = typed(find(&desired, "Deployment", "shop-gateway").unwrap());
    let image = gateway.spec.template.spec.unwrap().containers[0]
        .image
        .clone();
    assert_eq!(image.as_deref(), Some("rustshop/gateway:tilt-1"));
}

#[test]
fn ingress_off_builds_no_ingress_and_lets_nothing_reach_the_gateway() {
    let shop = shop("ingress: {enabled: false}");
    let desired = build_shop(&shop);
    insta::assert_snapshot!("ingress_off", summary(&desired));
    support::assert_valid_manifests("ingress-off", &yaml(&desired));
    assert!(find(&desired, "Ingress", "shop-gateway").is_none());
    let policy = find(&desired, "NetworkPolicy", "shop-gateway").unwrap();
    assert_eq!(policy.data["spec"]["ingress"], serde_json::json!([]));
    let url = build::url(&ShopRef::new(&shop, None).unwrap());
    assert_eq!(url, "http://shop-gateway.store.svc:3000");
}

#[test]
fn invalid_shop_builds_nothing() {
    let shop = shop("auth: {tokenTtl: forever}");
    let shop = ShopRef::new(&shop, None).unwrap();
    let result = build::build(&shop, &support::helm(), &mut FixedSecrets::default());
    match result {
        Err(BuildError::Invalid(violations)) => {
            assert_eq!(violations[0].field, "auth.tokenTtl");
        }
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn no_configmap_holds_a_generated_secret() {
    let desired = build_shop(&shop(""));
    for object in desired
        .services
        .iter()
        .filter(|o| o.types.as_ref().unwrap().kind == "ConfigMap")
    {
        let text = object.data.to_string();
        assert!(!text.contains("password"), "{text}");
    }
}

#[test]
fn every_object_is_labelled_with_the_shop_and_owned_by_it() {
    let desired = build_shop(&shop("infrastructure: {deletionPolicy: Delete}"));
    for object in desired.infra.iter().chain(&desired.services) {
        let labels = object.metadata.labels.as_ref().unwrap();
        assert_eq!(
            labels["rustshop.io/shop"], "shop",
            "{:?}",
            object.metadata.name
        );
        let owners = object.metadata.owner_references.as_ref().unwrap();
        assert_eq!(owners[0].kind, "Shop");
        assert_eq!(owners[0].controller, Some(true));
    }
    assert!(
        desired
            .generated
            .iter()
            .all(|s| s.metadata.owner_references.is_some())
    );
}

#[test]
fn retained_credentials_outlive_the_shop_but_its_jwt_keys_do_not() {
    let desired = build_shop(&shop(""));
    let owned = |name: &str| {
        let secret = desired
            .generated
            .iter()
            .find(|s| s.metadata.name.as_deref() == Some(name));
        secret.unwrap().metadata.owner_references.is_some()
    };
    assert!(!owned("shop-postgresql"));
    assert!(!owned("shop-kafka"));
    assert!(owned("shop-jwt"));
    assert!(owned("shop-admin"));
}

#[test]
fn a_named_admin_secret_is_used_and_none_generated() {
    let desired = build_shop(&shop("auth: {adminSecretRef: my-admin}"));
    assert!(
        desired
            .generated
            .iter()
            .all(|s| s.metadata.name.as_deref() != Some("shop-admin"))
    );
    let auth: Deployment = typed(find(&desired, "Deployment", "shop-auth").unwrap());
    let container = &auth.spec.template.spec.unwrap().containers[0];
    let email = container
        .env
        .iter()
        .flatten()
        .find(|e| e.name == "SHOP_ADMIN_EMAIL")
        .unwrap();
    let from = email
        .value_from
        .as_ref()
        .unwrap()
        .secret_key_ref
        .as_ref()
        .unwrap();
    assert_eq!(from.name, "my-admin");
}
