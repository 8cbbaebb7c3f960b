//! The reconciler against a mocked API server: every request, in order.

use std::sync::Arc;
use std::time::Duration;

use http::Method;
use kube::runtime::controller::Action;

use crate::controller::{error_policy, reconcile};
use crate::crd::Phase;
use crate::fixtures::{context, deleting, desired, finalized, finish, shop};

/// Type, status and reason of each condition, in order.
fn conditions(status: &crate::crd::ShopStatus) -> Vec<(String, String, String)> {
    status
        .conditions
        .iter()
        .map(|c| (c.type_.clone(), c.status.clone(), c.reason.clone()))
        .collect()
}

#[tokio::test]
async fn new_shop_gets_its_finalizer_and_nothing_else() {
    let (ctx, mut server) = context();
    let new = shop("{}");
    let expected = new.clone();
    let scenario = tokio::spawn(async move {
        server.finalizer_added(&expected).await;
        server
    });
    let action = reconcile(Arc::new(new), ctx).await.unwrap();
    assert_eq!(action, Action::await_change());
    finish(scenario).await;
}

#[tokio::test]
async fn infrastructure_is_applied_first_and_services_wait_for_it() {
    let (ctx, mut server) = context();
    let shop = finalized(shop("{}"));
    let desired = desired(&shop);
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        server.secrets_created(&desired, false).await;
        let note = server.event("SecretsGenerated").await;
        assert!(note.contains("shop-jwt"), "{note}");
        server.applied(&desired.infra, false).await;
        server.event("Provisioning").await;
        let status = server.status_written(&expected).await;
        (server, status)
    });
    let action = reconcile(Arc::new(shop), ctx).await.unwrap();
    assert_eq!(action, Action::requeue(Duration::from_secs(15)));
    let (_, status) = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.phase, Some(Phase::Provisioning));
    assert_eq!(status.observed_generation, Some(1));
    let infra = &status.conditions[0];
    assert_eq!(
        infra.message,
        "waiting for shop-postgresql, shop-mongodb, shop-redis, shop-kafka"
    );
    assert_eq!(
        conditions(&status),
        [
            (
                "InfrastructureReady".into(),
                "False".into(),
                "StatefulSetsNotReady".into()
            ),
            (
                "ServicesReady".into(),
                "False".into(),
                "WaitingForInfrastructure".into()
            ),
            (
                "Ready".into(),
                "False".into(),
                "StatefulSetsNotReady".into()
            ),
        ]
    );
    assert!(
        status
            .conditions
            .iter()
            .all(|c| c.observed_generation == Some(1))
    );
}

#[tokio::test]
async fn services_are_applied_once_infrastructure_is_ready() {
    let (ctx, mut server) = context();
    let shop = finalized(shop("ingress: {host: shop.localtest.me}"));
    let desired = desired(&shop);
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        // The secrets exist from the first rollout: created once, never replaced.
        server.secrets_created(&desired, true).await;
        server.applied(&desired.infra, true).await;
        let sent = server.applied(&desired.services, true).await;
        server.nothing_pruned().await;
        server.event("Ready").await;
        let status = server.status_written(&expected).await;
        (sent, status)
    });
    let action = reconcile(Arc::new(shop), ctx).await.unwrap();
    assert_eq!(action, Action::requeue(Duration::from_secs(300)));
    let (sent, status) = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        sent.len(),
        9 * 5 + 1,
        "five objects per service and the ingress"
    );
    assert_eq!(status.phase, Some(Phase::Ready));
    assert_eq!(status.url.as_deref(), Some("http://shop.localtest.me"));
    assert_eq!(status.ready_services.as_deref(), Some("9/9"));
    assert!(conditions(&status).iter().all(|(_, s, _)| s == "True"));
}

#[tokio::test]
async fn invalid_shop_gets_a_failing_condition_and_no_objects() {
    let (ctx, mut server) = context();
    let shop = finalized(shop("auth: {tokenTtl: forever}"));
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        let note = server.event("InvalidSpec").await;
        assert!(note.contains("spec.auth.tokenTtl"), "{note}");
        server.status_written(&expected).await
    });
    let action = reconcile(Arc::new(shop), ctx).await.unwrap();
    assert_eq!(action, Action::await_change());
    let status = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.phase, Some(Phase::Failed));
    let ready = status
        .conditions
        .iter()
        .find(|c| c.type_ == "Ready")
        .unwrap();
    assert_eq!(
        (ready.status.as_str(), ready.reason.as_str()),
        ("False", "InvalidSpec")
    );
    assert!(ready.message.contains("tokenTtl"), "{}", ready.message);
}

#[tokio::test]
async fn deleting_a_shop_with_delete_policy_removes_its_volumes_then_the_finalizer() {
    let (ctx, mut server) = context();
    let shop = deleting(finalized(shop("infrastructure: {deletionPolicy: Delete}")));
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        let query = server.volumes_deleted().await;
        let credentials = [
            "shop-postgresql",
            "shop-mongodb",
            "shop-redis",
            "shop-kafka",
        ];
        server.secrets_deleted(&credentials, &["shop-kafka"]).await;
        let note = server.event("DataDeleted").await;
        server.finalizer_removed(&expected).await;
        (query, note)
    });
    let action = reconcile(Arc::new(shop), ctx).await.unwrap();
    assert_eq!(action, Action::await_change());
    let (query, note) = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert!(
        query.contains("shop-postgresql%2Cshop-mongodb%2Cshop-redis%2Cshop-kafka"),
        "{query}"
    );
    assert!(note.contains("shop-kafka"));
}

#[tokio::test]
async fn deleting_a_shop_that_retains_data_keeps_its_volumes() {
    let (ctx, mut server) = context();
    let shop = deleting(finalized(shop("{}")));
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        server.event("DataRetained").await;
        server.finalizer_removed(&expected).await;
        server
    });
    reconcile(Arc::new(shop), ctx).await.unwrap();
    finish(scenario).await;
}

#[tokio::test]
async fn resync_reapplies_the_shops_replicas_over_a_drifted_deployment() {
    // First reconcile of a ready Shop: its status as the operator writes it.
    let (ctx, mut server) = context();
    let mut shop = finalized(shop("services: {gateway: {replicas: 2}}"));
    let desired = desired(&shop);
    let (expected, plan) = (shop.clone(), desired.clone());
    let scenario = tokio::spawn(async move {
        server.secrets_created(&plan, true).await;
        server.applied(&plan.infra, true).await;
        server.applied(&plan.services, true).await;
        server.nothing_pruned().await;
        server.event("Ready").await;
        server.status_written(&expected).await
    });
    reconcile(Arc::new(shop.clone()), ctx).await.unwrap();
    shop.status = Some(
        tokio::time::timeout(Duration::from_secs(30), scenario)
            .await
            .unwrap()
            .unwrap(),
    );

    // The resync: someone scaled the gateway by hand; the forced apply sets it back and
    // the unchanged status is not rewritten.
    let (ctx, mut server) = context();
    let plan = desired.clone();
    let scenario = tokio::spawn(async move {
        server.secrets_created(&plan, true).await;
        server.applied(&plan.infra, true).await;
        let sent = server.applied(&plan.services, true).await;
        server.nothing_pruned().await;
        sent
    });
    let action = reconcile(Arc::new(shop), ctx).await.unwrap();
    assert_eq!(action, Action::requeue(Duration::from_secs(300)));
    let sent = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    let gateway = sent
        .iter()
        .find(|b| b["kind"] == "Deployment" && b["metadata"]["name"] == "shop-gateway")
        .unwrap();
    assert_eq!(gateway["spec"]["replicas"], 2);
}

#[tokio::test]
async fn objects_no_longer_desired_are_pruned_and_others_kept() {
    let (ctx, mut server) = context();
    let shop = finalized(shop("ingress: {enabled: false}"));
    let desired = desired(&shop);
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        server.secrets_created(&desired, true).await;
        server.applied(&desired.infra, true).await;
        server.applied(&desired.services, true).await;
        // The Ingress of when the ingress was on; a Secret someone else owns; a
        // desired Deployment.
        let leftovers = [
            ("Ingress", "shop-gateway", true),
            ("Secret", "someone-elses", false),
            ("Deployment", "shop-users", true),
        ];
        server.pruned(&leftovers, &["Ingress/shop-gateway"]).await;
        let note = server.event("Pruned").await;
        server.event("Ready").await;
        server.status_written(&expected).await;
        note
    });
    reconcile(Arc::new(shop), ctx).await.unwrap();
    let note = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(note, "deleted Ingress/shop-gateway");
}

#[tokio::test]
async fn a_failed_request_is_reported_and_retried_with_growing_delays() {
    let (ctx, mut server) = context();
    let shop = finalized(shop("{}"));
    let expected = shop.clone();
    let scenario = tokio::spawn(async move {
        server
            .fails(Method::POST, "/api/v1/namespaces/store/secrets")
            .await;
        let note = server.event("ApplyFailed").await;
        let status = server.status_written(&expected).await;
        (note, status)
    });
    let shop = Arc::new(shop);
    let error = reconcile(shop.clone(), ctx.clone()).await.unwrap_err();
    let (note, status) = tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .unwrap()
        .unwrap();
    assert!(note.contains("etcd is unhappy"), "{note}");
    assert_eq!(status.phase, Some(Phase::Failed));
    assert_eq!(error.metric_reason(), "apply");
    let first = error_policy(shop.clone(), &error, ctx.clone());
    let second = error_policy(shop, &error, ctx);
    assert_eq!(first, Action::requeue(Duration::from_secs(5)));
    assert_eq!(second, Action::requeue(Duration::from_secs(10)));
}
