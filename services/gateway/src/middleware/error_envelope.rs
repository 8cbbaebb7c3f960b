//! Renders every error response in the error envelope, once, with the request's path
//! and the time: [`ApiError`](crate::error::ApiError)s from handlers and extractors
//! (which carry an [`ErrorDetail`]), and the bare error responses of the router (404,
//! 405) and of the layers inside this one (413 body limit, 504 timeout).

use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, Response};
use axum::middleware::Next;
use axum::response::Response as AxumResponse;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::envelope::{ErrorEnvelope, json_response};
use crate::error::{ErrorDetail, default_message};

/// Middleware: turns error responses into the error envelope.
pub async fn render(request: Request, next: Next) -> AxumResponse {
    // A clone of the URI shares its bytes; the path is only read on errors.
    let uri = request.uri().clone();
    let mut response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let detail = match response.extensions_mut().remove::<ErrorDetail>() {
        Some(detail) => detail,
        // Responses that already have a JSON (or HTML) body of their own, such as
        // /readyz while draining, are left as they are.
        None if !is_bare(response.headers()) => return response,
        None => ErrorDetail {
            message: default_message(status).into(),
            fields: Vec::new(),
        },
    };
    let envelope = ErrorEnvelope {
        success: false,
        status_code: status.as_u16(),
        timestamp: OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        path: uri.path().to_owned(),
        error: detail,
    };
    let (mut parts, _bare_body) = response.into_parts();
    let (rendered, body) = json_response(status, &envelope).into_parts();
    // Keep the original headers (Allow on a 405, WWW-Authenticate on a 401...).
    parts.headers.remove(CONTENT_LENGTH);
    if let Some(content_type) = rendered.headers.get(CONTENT_TYPE) {
        parts.headers.insert(CONTENT_TYPE, content_type.clone());
    }
    Response::from_parts(parts, body)
}

/// No body type, or plain text (the messages of axum's and tower-http's rejections).
fn is_bare(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"))
}
