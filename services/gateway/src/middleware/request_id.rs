//! Request ids: every request has one, from a valid incoming `x-request-id` or a new
//! UUID. It is echoed on the response, put in the request's log span, and sent to the
//! services with every gRPC call made while handling the request (see
//! [`crate::clients`]), so one id follows a request through the logs of every service.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
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

/// Runs `future` as the handling of the request with `id`.
pub async fn scope<F: std::future::Future>(id: HeaderValue, future: F) -> F::Output {
    CURRENT.scope(id, future).await
}

/// Middleware: gives the request its id and handles it with the id in scope.
pub async fn assign(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|value| is_valid(value))
        .cloned()
        .unwrap_or_else(generate);
    request.headers_mut().insert(X_REQUEST_ID, id.clone());
    let mut response = scope(id.clone(), next.run(request)).await;
    response.headers_mut().insert(X_REQUEST_ID, id);
    response
}

/// The log span of a request, carrying its id (set by [`assign`], which runs first).
pub fn span<B>(request: &axum::http::Request<B>) -> Span {
    let id = request
        .headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        path = %request.uri().path(),
        request_id = %id,
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
