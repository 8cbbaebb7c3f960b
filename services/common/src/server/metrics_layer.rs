//! Counts and times every gRPC call by method and status code.

use std::future::Future;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll};
use std::time::Instant;

use pin_project_lite::pin_project;
use tower::{Layer, Service};

use crate::request_metrics::{OTHER, SeriesCache, intern};

static SERIES: LazyLock<SeriesCache<2>> = LazyLock::new(|| {
    SeriesCache::new(
        "grpc_server_requests_total",
        "grpc_server_request_duration_seconds",
        ["method", "code"],
    )
});

/// The gRPC status codes (0 to 16) as labels; anything else is odd enough for
/// [`OTHER`].
fn code_label(code: &str) -> &'static str {
    const CODES: [&str; 17] = [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15", "16",
    ];
    CODES
        .into_iter()
        .find(|known| *known == code)
        .unwrap_or(OTHER)
}

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
            method: intern(request.uri().path()),
            started: Instant::now(),
            inner: self.inner.call(request),
        }
    }
}

pin_project! {
    pub struct Timed<F> {
        method: &'static str,
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
                .map_or("0", |code| code.to_str().map_or(OTHER, code_label)),
            Err(_) => "transport",
        };
        SERIES.record([this.method, code], this.started.elapsed());
        Poll::Ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_status_codes_are_their_own_label_and_others_share_one() {
        assert_eq!(code_label("0"), "0");
        assert_eq!(code_label("16"), "16");
        assert_eq!(code_label("17"), OTHER);
        assert_eq!(code_label("x"), OTHER);
    }
}
