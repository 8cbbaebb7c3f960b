//! Renders every error response in the error envelope, once, with the request's path
//! and the time: [`ApiError`](crate::error::ApiError)s from handlers and extractors
//! (which carry an [`ErrorDetail`]), and the bare error responses of the router (404,
//! 405) and of the layers inside this one (413 body limit, 504 timeout).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::{Body, HttpBody};
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::http::{HeaderMap, Request, Response, Uri};
use pin_project_lite::pin_project;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tower::{BoxError, Service};

use crate::envelope::{ErrorEnvelope, json_response};
use crate::error::{ErrorDetail, default_message};

/// Turns the error responses of the service it wraps into the error envelope. A
/// hand-written service, not `from_fn`, which would box the rest of the stack and
/// its future for every request.
#[derive(Debug, Clone)]
pub struct RenderErrors<S> {
    inner: S,
}

impl<S> RenderErrors<S> {
    /// `inner` with its errors rendered (as a layer: `layer_fn(RenderErrors::new)`).
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RenderErrors<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Response = Response<Body>;
    type Error = S::Error;
    type Future = RenderFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        RenderFuture {
            // A clone of the URI shares its bytes; the path is only read on errors.
            uri: request.uri().clone(),
            response: self.inner.call(request),
        }
    }
}

pin_project! {
    /// The response of [`RenderErrors`].
    pub struct RenderFuture<F> {
        #[pin]
        response: F,
        uri: Uri,
    }
}

impl<F, ResBody, E> Future for RenderFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    ResBody::Error: Into<BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let response = ready!(this.response.poll(cx))?;
        Poll::Ready(Ok(render(response.map(Body::new), this.uri)))
    }
}

/// `response` itself, or, if it is an error, in the envelope.
fn render(mut response: Response<Body>, uri: &Uri) -> Response<Body> {
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
