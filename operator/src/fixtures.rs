//! Test doubles of the reconciler's surroundings: a mocked API server that asserts every
//! request in order and answers it, a chart renderer with one StatefulSet per chart, and
//! Shops in the states a reconcile meets (controller-rs `fixtures.rs` style).

use std::sync::Arc;
use std::time::Duration;

use http::{Method, Request, Response};
use kube::api::DynamicObject;
use kube::client::Body;
use kube::{Client, ResourceExt};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use crate::apply::KINDS;
use crate::build::{self, Desired, RandomSecrets, ShopRef};
use crate::controller::{Context, FINALIZER};
use crate::crd::{Shop, ShopStatus};
use crate::helm::{HelmError, Release, RenderChart};

type ApiServerHandle = tower_test::mock::Handle<Request<Body>, Response<Body>>;
type Responder = tower_test::mock::SendResponse<Response<Body>>;

/// Renders each chart as one StatefulSet named after the release.
pub struct FakeCharts;

impl RenderChart for FakeCharts {
    fn render(&self, release: &Release) -> Result<Vec<DynamicObject>, HelmError> {
        let statefulset = json!({
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": release.name},
            "spec": {"replicas": 1},
        });
        Ok(vec![serde_json::from_value(statefulset).unwrap()])
    }
}

/// A Shop as the API server returns it, from the YAML of its spec.
pub fn shop(spec_yaml: &str) -> Shop {
    let mut shop = Shop::new("shop", serde_norway::from_str(spec_yaml).unwrap());
    shop.metadata.namespace = Some("store".into());
    shop.metadata.uid = Some("1b2c3d4e-0000-4000-8000-000000000001".into());
    shop.metadata.generation = Some(1);
    shop.metadata.resource_version = Some("100".into());
    shop
}

/// The same Shop, holding the operator's finalizer.
pub fn finalized(mut shop: Shop) -> Shop {
    shop.metadata.finalizers = Some(vec![FINALIZER.to_owned()]);
    shop
}

/// The same Shop, being deleted.
pub fn deleting(mut shop: Shop) -> Shop {
    let time = k8s_openapi::jiff::Timestamp::from_second(1_800_000_000).unwrap();
    shop.metadata.deletion_timestamp =
        Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(time));
    shop
}

/// What the reconciler builds for `shop` with [`FakeCharts`] (names and order only:
/// the secrets are random).
pub fn desired(shop: &Shop) -> Desired {
    let shop = ShopRef::new(shop, None).unwrap();
    build::build(&shop, &FakeCharts, &mut RandomSecrets).unwrap()
}

/// A context whose client talks to the returned verifier; the clock is fixed.
pub fn context() -> (Arc<Context>, ApiServerVerifier) {
    let (service, handle) = tower_test::mock::pair::<Request<Body>, Response<Body>>();
    let client = Client::new(service, "default");
    let mut context = Context::new(client, Arc::new(FakeCharts));
    context.clock = || k8s_openapi::jiff::Timestamp::from_second(1_700_000_000).unwrap();
    (Arc::new(context), ApiServerVerifier(handle))
}

/// Waits for the verifier's scenario to finish (a hang guard, not a timing assertion).
pub async fn finish(scenario: JoinHandle<ApiServerVerifier>) -> ApiServerVerifier {
    tokio::time::timeout(Duration::from_secs(30), scenario)
        .await
        .expect("the API server scenario did not finish: a request was missing")
        .expect("the API server scenario failed")
}

/// The API server side of the mocked client: each method expects the next requests.
pub struct ApiServerVerifier(ApiServerHandle);

impl ApiServerVerifier {
    /// The next request, which must be `method` on `path`; returns its JSON body (Null
    /// when empty) and query string.
    async fn expect(&mut self, method: Method, path: &str) -> (Value, String, Responder) {
        let (request, send) = self
            .0
            .next_request()
            .await
            .expect("no further request was made");
        assert_eq!(
            (request.method(), request.uri().path()),
            (&method, path),
            "unexpected request"
        );
        let query = request.uri().query().unwrap_or("").to_owned();
        let bytes = request.into_body().collect_bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (body, query, send)
    }

    fn respond(send: Responder, status: u16, body: &Value) {
        let response = Response::builder()
            .status(status)
            .body(Body::from(serde_json::to_vec(body).unwrap()))
            .unwrap();
        send.send_response(response);
    }

    /// The finalizer helper adds the finalizer with a JSON patch.
    pub async fn finalizer_added(&mut self, shop: &Shop) {
        let (patch, _, send) = self.expect(Method::PATCH, &shop_path(shop)).await;
        let ops = patch.as_array().expect("a JSON patch");
        assert!(
            ops.iter().any(|op| op["op"] == "add"
                && op["path"]
                    .as_str()
                    .unwrap()
                    .starts_with("/metadata/finalizers")),
            "{patch}"
        );
        assert!(patch.to_string().contains(FINALIZER));
        Self::respond(
            send,
            200,
            &serde_json::to_value(finalized(shop.clone())).unwrap(),
        );
    }

    /// The finalizer helper removes the finalizer with a JSON patch.
    pub async fn finalizer_removed(&mut self, shop: &Shop) {
        let (patch, _, send) = self.expect(Method::PATCH, &shop_path(shop)).await;
        assert!(patch.to_string().contains("remove"), "{patch}");
        let mut done = shop.clone();
        done.metadata.finalizers = None;
        Self::respond(send, 200, &serde_json::to_value(done).unwrap());
    }

    /// One create per generated Secret; `exist` answers 409 as for a later reconcile.
    pub async fn secrets_created(&mut self, desired: &Desired, exist: bool) {
        for secret in &desired.generated {
            let (body, _, send) = self
                .expect(Method::POST, "/api/v1/namespaces/store/secrets")
                .await;
            assert_eq!(body["metadata"]["name"], secret.name_any());
            if exist {
                let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "AlreadyExists", "code": 409, "message": "exists"});
                Self::respond(send, 409, &status);
            } else {
                Self::respond(send, 201, &body);
            }
        }
    }

    /// The next request, `method` on `path`, fails with a server error.
    pub async fn fails(&mut self, method: Method, path: &str) {
        let (_, _, send) = self.expect(method, path).await;
        let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "InternalError", "code": 500, "message": "etcd is unhappy"});
        Self::respond(send, 500, &status);
    }

    /// An event with `reason` about the Shop; returns its note.
    pub async fn event(&mut self, reason: &str) -> String {
        let (body, _, send) = self
            .expect(
                Method::POST,
                "/apis/events.k8s.io/v1/namespaces/store/events",
            )
            .await;
        assert_eq!(body["reason"], reason, "{body}");
        assert_eq!(body["regarding"]["kind"], "Shop");
        let note = body["note"].as_str().unwrap_or("").to_owned();
        Self::respond(send, 201, &body);
        note
    }

    /// One server-side apply per object, in order, forced under the operator's field
    /// manager; answers with the object and a status that is ready or not. Returns the
    /// bodies sent.
    pub async fn applied(&mut self, objects: &[DynamicObject], ready: bool) -> Vec<Value> {
        let mut sent = Vec::new();
        for object in objects {
            let kind = object.types.as_ref().unwrap().kind.clone();
            let (_, _, _, plural) = KINDS.iter().find(|k| k.2 == kind).unwrap();
            let prefix = if kind == "Service" || kind == "ConfigMap" {
                "/api/v1".to_owned()
            } else {
                let (group, version, ..) = KINDS.iter().find(|k| k.2 == kind).unwrap();
                format!("/apis/{group}/{version}")
            };
            let path = format!("{prefix}/namespaces/store/{plural}/{}", object.name_any());
            let (body, query, send) = self.expect(Method::PATCH, &path).await;
            assert!(
                query.contains("fieldManager=shop-operator") && query.contains("force=true"),
                "{query}"
            );
            assert_eq!(body["kind"], kind);
            let mut stored = body.clone();
            stored["metadata"]["generation"] = json!(1);
            let replicas = body["spec"]["replicas"].as_i64().unwrap_or(1);
            stored["status"] =
                json!({"observedGeneration": 1, "readyReplicas": if ready { replicas } else { 0 }});
            Self::respond(send, 200, &stored);
            sent.push(body);
        }
        sent
    }

    /// Pruning lists every kind by the Shop's labels; nothing is left over.
    pub async fn nothing_pruned(&mut self) {
        self.pruned(&[], &[]).await;
    }

    /// Pruning lists every kind by the Shop's labels and finds `found` (kind, name,
    /// owned by the Shop); it must delete exactly `deleted` (`Kind/name`), in order.
    pub async fn pruned(&mut self, found: &[(&str, &str, bool)], deleted: &[&str]) {
        for (group, version, kind, plural) in KINDS {
            let prefix = if group.is_empty() {
                "/api/v1".to_owned()
            } else {
                format!("/apis/{group}/{version}")
            };
            let collection = format!("{prefix}/namespaces/store/{plural}");
            let (_, query, send) = self.expect(Method::GET, &collection).await;
            assert!(
                query.contains("labelSelector=rustshop.io%2Fshop%3Dshop"),
                "{query}"
            );
            let items: Vec<Value> = found
                .iter()
                .filter(|f| f.0 == kind)
                .map(|(_, name, owned)| leftover(name, *owned))
                .collect();
            let list = json!({"apiVersion": "meta.k8s.io/v1", "kind": "PartialObjectMetadataList", "metadata": {}, "items": items});
            Self::respond(send, 200, &list);
            for name in deleted
                .iter()
                .filter_map(|d| d.strip_prefix(&format!("{kind}/")))
            {
                let path = format!("{collection}/{name}");
                let (_, _, send) = self.expect(Method::DELETE, &path).await;
                Self::respond(send, 200, &success());
            }
        }
    }

    /// The status subresource, applied by the operator; returns the status sent.
    pub async fn status_written(&mut self, shop: &Shop) -> ShopStatus {
        let path = format!("{}/status", shop_path(shop));
        let (body, query, send) = self.expect(Method::PATCH, &path).await;
        assert!(query.contains("fieldManager=shop-operator"), "{query}");
        let status: ShopStatus = serde_json::from_value(body["status"].clone()).unwrap();
        let mut stored = shop.clone();
        stored.status = Some(status.clone());
        Self::respond(send, 200, &serde_json::to_value(stored).unwrap());
        status
    }

    /// The data volumes of the managed dependencies, deleted by label.
    pub async fn volumes_deleted(&mut self) -> String {
        let (_, query, send) = self
            .expect(
                Method::DELETE,
                "/api/v1/namespaces/store/persistentvolumeclaims",
            )
            .await;
        let list = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaimList", "metadata": {}, "items": []});
        Self::respond(send, 200, &list);
        query
    }

    /// Credentials Secrets deleted by name; the ones in `missing` answer 404.
    pub async fn secrets_deleted(&mut self, names: &[&str], missing: &[&str]) {
        for name in names {
            let path = format!("/api/v1/namespaces/store/secrets/{name}");
            let (_, _, send) = self.expect(Method::DELETE, &path).await;
            if missing.contains(name) {
                let status = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound", "code": 404, "message": "not found"});
                Self::respond(send, 404, &status);
            } else {
                Self::respond(send, 200, &success());
            }
        }
    }
}

fn success() -> Value {
    json!({"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 200})
}

/// Metadata of an object found by pruning, owned by the Shop or by someone else.
fn leftover(name: &str, owned: bool) -> Value {
    let uid = if owned {
        "1b2c3d4e-0000-4000-8000-000000000001"
    } else {
        "another-owner"
    };
    json!({
        "apiVersion": "meta.k8s.io/v1",
        "kind": "PartialObjectMetadata",
        "metadata": {
            "name": name,
            "namespace": "store",
            "ownerReferences": [{"apiVersion": "rustshop.io/v1alpha1", "kind": "Shop", "name": "shop", "uid": uid, "controller": true}],
        },
    })
}

fn shop_path(shop: &Shop) -> String {
    format!(
        "/apis/rustshop.io/v1alpha1/namespaces/store/shops/{}",
        shop.name_any()
    )
}
