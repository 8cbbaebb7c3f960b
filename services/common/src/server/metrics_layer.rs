//! Counts and times every gRPC call by method and status code.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// A tower layer recording `grpc_server_requests_total` and
/// `grpc_server_request_duration_seconds`, labelled by `method` and `code`.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcMetricsLayer;

impl<S> Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetrics { inner }
    }
}

#[derive(Debug, Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
}

impl<S, B, R> Service<http::Request<B>> for GrpcMetrics<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Timed<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        Timed {
            method: request.uri().path().to_owned(),
            started: Instant::now(),
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    pub struct Timed<F> {
        method: String,
        started: Instant,
        #[pin]
        inner: F,
    }
}

impl<F, R, E> Future for Timed<F>
where
    F: Future<Output = Result<http::Response<R>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = std::task::ready!(this.inner.poll(cx));
        // Errors are sent "trailers-only", with grpc-status in the headers; a call
        // without it in the headers succeeded (status 0 arrives in the trailers).
        let code = match &result {
            Ok(response) => response
                .headers()
                .get("grpc-status")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("0")
                .to_owned(),
            Err(_) => "transport".to_owned(),
        };
        let labels = [("method", std::mem::take(this.method)), ("code", code)];
        metrics::counter!("grpc_server_requests_total", &labels).increment(1);
        metrics::histogram!("grpc_server_request_duration_seconds", &labels)
            .record(this.started.elapsed().as_secs_f64());
        Poll::Ready(result)
    }
}
