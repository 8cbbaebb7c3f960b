//! Security headers on every response.

use axum::http::{HeaderMap, HeaderName, HeaderValue, header};

/// API responses are JSON: nothing in them may load or run anything.
const API_CSP: HeaderValue =
    HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'");

/// The docs page runs Swagger UI from the gateway itself: its scripts, styles (some
/// inline), inline SVG images, and a fetch of the OpenAPI document. Nothing from
/// another origin.
pub const DOCS_CSP: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'",
);

const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const DENY: HeaderValue = HeaderValue::from_static("DENY");
const NO_REFERRER: HeaderValue = HeaderValue::from_static("no-referrer");

/// The headers every response carries, unless its handler set its own.
const HEADERS: [(HeaderName, HeaderValue); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, NOSNIFF),
    (header::X_FRAME_OPTIONS, DENY),
    (header::REFERRER_POLICY, NO_REFERRER),
    (header::CONTENT_SECURITY_POLICY, API_CSP),
];

/// Adds the security headers a response lacks (see [`super::edge`]).
pub fn add_headers(headers: &mut HeaderMap) {
    for (name, value) in HEADERS {
        headers.entry(name).or_insert(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_headers_are_added_and_present_ones_kept() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_SECURITY_POLICY, DOCS_CSP);
        add_headers(&mut headers);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], DOCS_CSP);
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], NOSNIFF);
        assert_eq!(headers[header::X_FRAME_OPTIONS], DENY);
        assert_eq!(headers[header::REFERRER_POLICY], NO_REFERRER);
    }
}
