//! Security headers on every response.

use axum::http::HeaderValue;

/// API responses are JSON: nothing in them may load or run anything.
pub const API_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");

/// The docs page runs Swagger UI from the gateway itself: its scripts, styles (some
/// inline), inline SVG images, and a fetch of the OpenAPI document. Nothing from
/// another origin.
pub const DOCS_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
);

pub const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
pub const DENY: HeaderValue = HeaderValue::from_static("DENY");
pub const NO_REFERRER: HeaderValue = HeaderValue::from_static("no-referrer");
