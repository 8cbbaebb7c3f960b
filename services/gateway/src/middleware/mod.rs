//! The middleware stack around every route, outermost first:
//!
//! 1. [`edge`], one layer for: the [`request_id`], echoed and propagated; a log span
//!    per request with its id; [`metrics`], counts and durations by route template;
//!    [`security`] headers (nosniff, frame DENY, no referrer, CSP);
//! 2. CORS;
//! 3. gzip compression (when the client accepts it);
//! 4. [`error_envelope`]: every error in the envelope, including those of 5 and 6;
//! 5. the request timeout (504);
//! 6. the body size limit (413).

pub mod edge;
pub mod error_envelope;
pub mod metrics;
pub mod request_id;
pub mod security;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method, StatusCode, header};
use tower::ServiceBuilder;
use tower::layer::layer_fn;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

use crate::config::CorsOrigins;

/// What the stack needs from the configuration.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub cors_origins: CorsOrigins,
    pub body_limit: usize,
    pub request_timeout: Duration,
}

/// `router` with the whole stack around each of its routes (and its fallback), so
/// that the metrics see the matched route template.
pub fn apply(router: Router, settings: &HttpSettings) -> Router {
    router.layer(
        ServiceBuilder::new()
            .layer(layer_fn(edge::Edge::new))
            .layer(cors(&settings.cors_origins))
            .layer(CompressionLayer::new())
            .layer(layer_fn(error_envelope::RenderErrors::new))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::GATEWAY_TIMEOUT,
                settings.request_timeout,
            ))
            .layer(RequestBodyLimitLayer::new(settings.body_limit))
            .layer(DefaultBodyLimit::max(settings.body_limit)),
    )
}

/// Browsers may call the API from the configured origins, with a bearer token (never
/// cookies: credentials are not allowed), and read the request id.
fn cors(origins: &CorsOrigins) -> CorsLayer {
    let layer = CorsLayer::new()
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            request_id::X_REQUEST_ID,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([request_id::X_REQUEST_ID])
        .max_age(Duration::from_secs(600));
    match origins {
        // Every answer is then the same whatever the request's origin, method or
        // headers: no `Vary` (whose list the stack would clone for every request).
        CorsOrigins::Any => layer.allow_origin(AllowOrigin::any()).vary([]),
        CorsOrigins::List(list) => layer.allow_origin(list.clone()),
    }
}
