//! The gateway's routes, one module per area.

mod health;

use axum::Router;
use tokio_util::sync::CancellationToken;

/// The whole HTTP application. `shutdown` turns readiness off while draining.
pub fn router(shutdown: CancellationToken) -> Router {
    Router::new()
        .merge(health::router(shutdown))
        .merge(shop_common::server::metrics_router())
}
