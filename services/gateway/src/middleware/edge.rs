//! The outer edge of every request, as one layer: its id, its log span, its metrics
//! and the security headers of its response.
//!
//! One hand-written layer rather than four `from_fn`/`map_response` layers and a
//! `TraceLayer`: each of those boxes the rest of the stack and its future for every
//! request, and copying those futures into their boxes took about a tenth of the
//! gateway's CPU. This future holds the inner one in place.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::{HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::Service;
use tracing::Instrument as _;
use tracing::instrument::Instrumented;

use super::metrics::Timing;
use super::{request_id, security};

/// Gives each request its id (see [`request_id`]) and handles it in a span carrying
/// it, with the id in scope for the gRPC calls; then echoes the id, adds the
/// security headers, records the metrics and logs failures (5xx at error level).
#[derive(Debug, Clone)]
pub struct Edge<S> {
    inner: S,
}

impl<S> Edge<S> {
    /// `inner` behind the edge (as a layer: `layer_fn(Edge::new)`).
    pub fn new(inner: S) -> Self {
        Self { inner }
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for Edge<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = EdgeFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let id = request_id::of(&request);
        request
            .headers_mut()
            .insert(request_id::X_REQUEST_ID, id.clone());
        let span = request_id::span(&request);
        let timing = Timing::start(&request);
        let response = span.in_scope(|| self.inner.call(request));
        EdgeFuture {
            response: request_id::scoped(id.clone(), response).instrument(span),
            id: Some(id),
            timing,
        }
    }
}

pin_project! {
    /// The response of [`Edge`].
    pub struct EdgeFuture<F> {
        #[pin]
        response: Instrumented<TaskLocalFuture<HeaderValue, F>>,
        id: Option<HeaderValue>,
        timing: Timing,
    }
}

impl<F, ResBody, E> Future for EdgeFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = Result<Response<ResBody>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut response = ready!(this.response.as_mut().poll(cx))?;
        if let Some(id) = this.id.take() {
            response.headers_mut().insert(request_id::X_REQUEST_ID, id);
        }
        security::add_headers(response.headers_mut());
        let status = response.status();
        let latency = this.timing.finish(status);
        let _entered = this.response.span().enter();
        if status.is_server_error() {
            tracing::error!(status = status.as_u16(), ?latency, "request failed");
        } else {
            tracing::debug!(status = status.as_u16(), ?latency, "request finished");
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use axum::http::header;
    use tower::ServiceExt as _;

    use super::*;

    /// Answers with the request id in scope while it runs, after a yield.
    async fn answer_with_the_id_in_scope(
        _request: Request<()>,
    ) -> Result<Response<String>, Infallible> {
        tokio::task::yield_now().await;
        let id = request_id::current().and_then(|id| id.to_str().ok().map(str::to_owned));
        Ok(Response::new(id.unwrap_or_default()))
    }

    async fn call(request: Request<()>) -> Response<String> {
        let service = Edge::new(tower::service_fn(answer_with_the_id_in_scope));
        service.oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn a_valid_incoming_id_is_in_scope_and_echoed() {
        let request = Request::builder()
            .header(request_id::X_REQUEST_ID, "req-7")
            .body(())
            .unwrap();
        let response = call(request).await;
        assert_eq!(response.body(), "req-7");
        assert_eq!(response.headers()[request_id::X_REQUEST_ID], "req-7");
        assert_eq!(response.headers()[header::X_FRAME_OPTIONS], "DENY");
    }

    #[tokio::test]
    async fn a_request_without_an_id_gets_a_new_one_in_scope_and_echoed() {
        let response = call(Request::new(())).await;
        let echoed = response.headers()[request_id::X_REQUEST_ID]
            .to_str()
            .unwrap();
        assert_eq!(echoed.len(), 36, "a UUID: {echoed}");
        assert_eq!(response.body(), echoed);
    }
}
