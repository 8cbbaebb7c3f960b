//! The gateway's routes, one module per area, each documented for OpenAPI.

mod auth;
mod cart;
mod health;
mod orders;
mod products;
mod users;

use axum::Router;
use tokio_util::sync::CancellationToken;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::ApiError;
use crate::middleware::{self, HttpSettings};
use crate::openapi;

/// The whole HTTP application: `/api/v1`, the docs, health and metrics, inside the
/// middleware stack. `shutdown` turns readiness off while draining.
pub fn router(state: AppState, settings: &HttpSettings, shutdown: CancellationToken) -> Router {
    let (api, mut document) = OpenApiRouter::with_openapi(openapi::base())
        .nest("/api/v1", api())
        .split_for_parts();
    openapi::add_common_errors(&mut document);
    let app = api
        .with_state(state)
        .merge(openapi::docs_router(document))
        .merge(health::router(shutdown))
        .merge(shop_common::server::metrics_router())
        .fallback(unknown_route);
    middleware::apply(app, settings)
}

/// The routes under `/api/v1`.
fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(auth::router())
        .merge(users::router())
        .merge(products::router())
        .merge(cart::router())
        .merge(orders::router())
}

async fn unknown_route() -> ApiError {
    ApiError::NotFound("No route for this path".into())
}
