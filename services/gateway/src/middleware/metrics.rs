//! HTTP metrics: `http_requests_total` and `http_request_duration_seconds`, labelled
//! by method, route template (`/api/v1/products/{id}`, never the raw path, so ids do
//! not multiply the series) and status.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use metrics::Label;

/// Middleware: counts and times every request.
pub async fn record(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = vec![
        Label::from_static_parts("method", method),
        Label::new("route", route),
        Label::new("status", response.status().as_u16().to_string()),
    ];
    metrics::histogram!("http_request_duration_seconds", labels.iter())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("http_requests_total", labels).increment(1);
    response
}

/// Methods outside the standard set share one label, so a client cannot create series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}
