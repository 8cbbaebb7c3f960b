//! `/healthz` (the process is alive) and `/readyz` (it takes traffic; false while
//! draining, so load balancers stop sending before the listener closes).

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

pub fn router(shutdown: CancellationToken) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(shutdown)
}

async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn readyz(State(shutdown): State<CancellationToken>) -> (StatusCode, Json<Value>) {
    if shutdown.is_cancelled() {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        )
    } else {
        (StatusCode::OK, Json(json!({ "status": "ready" })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    async fn status_of(app: Router, path: &str) -> StatusCode {
        let request = Request::get(path).body(Body::empty()).unwrap();
        app.oneshot(request).await.unwrap().status()
    }

    #[tokio::test]
    async fn ready_until_draining() {
        let shutdown = CancellationToken::new();
        assert_eq!(
            status_of(router(shutdown.clone()), "/readyz").await,
            StatusCode::OK
        );
        shutdown.cancel();
        assert_eq!(
            status_of(router(shutdown.clone()), "/readyz").await,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status_of(router(shutdown), "/healthz").await,
            StatusCode::OK
        );
    }
}
