//! Request ids: every request has one, from a valid incoming `x-request-id` or a new
//! UUID. It is echoed on the response, put in the request's log span, and sent to the
//! services with every gRPC call made while handling the request (see
//! [`crate::clients`]), so one id follows a request through the logs of every service.

use axum::http::{HeaderName, HeaderValue, Request};
use tokio::task::futures::TaskLocalFuture;
use tracing::Span;

/// The header carrying the request id, on HTTP and as gRPC metadata.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming request id kept; longer ones are replaced.
const MAX_LENGTH: usize = 128;

tokio::task_local! {
    /// The id of the request this task is handling.
    static CURRENT: HeaderValue;
}

/// The id of the request being handled on this task, if any.
pub fn current() -> Option<HeaderValue> {
    CURRENT.try_with(HeaderValue::clone).ok()
}

/// `future` as the handling of the request with `id`.
pub fn scoped<F: std::future::Future>(
    id: HeaderValue,
    future: F,
) -> TaskLocalFuture<HeaderValue, F> {
    CURRENT.scope(id, future)
}

/// The id of `request`: its valid `x-request-id`, else a new one.
pub fn of<B>(request: &Request<B>) -> HeaderValue {
    request
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|value| is_valid(value))
        .cloned()
        .unwrap_or_else(generate)
}

/// The log span of a request, carrying its id (already in its headers).
pub fn span<B>(request: &Request<B>) -> Span {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Plain `&str` values: recorded as they are, not through `Display`.
    tracing::info_span!(
        "request",
        method = request.method().as_str(),
        path = request.uri().path(),
        request_id = id,
    )
}

/// Ids are passed to logs and other services: only short, plain tokens are kept.
fn is_valid(value: &HeaderValue) -> bool {
    let bytes = value.as_bytes();
    (1..=MAX_LENGTH).contains(&bytes.len())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn generate() -> HeaderValue {
    let mut buffer = uuid::Uuid::encode_buffer();
    let id = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
    HeaderValue::from_str(id).unwrap_or(HeaderValue::from_static("unknown"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ids_are_kept_and_odd_ones_replaced() {
        assert!(is_valid(&HeaderValue::from_static("req-123_abc.def:1")));
        assert!(is_valid(&generate()));
        assert!(!is_valid(&HeaderValue::from_static("")));
        assert!(!is_valid(&HeaderValue::from_static("a b")));
        assert!(!is_valid(&HeaderValue::from_static("x\"}{\"admin\":true")));
        let long = "a".repeat(MAX_LENGTH + 1);
        assert!(!is_valid(&HeaderValue::from_str(&long).unwrap()));
    }
}
