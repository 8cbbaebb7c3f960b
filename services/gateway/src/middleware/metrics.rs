//! HTTP metrics: `http_requests_total` and `http_request_duration_seconds`, labelled
//! by method, route template (`/api/v1/products/{id}`, never the raw path, so ids do
//! not multiply the series) and status.
//!
//! The labels are `'static` strings (route templates interned once each, statuses
//! from a table) and each series is looked up once per thread ([`SeriesCache`]), so
//! recording a request allocates nothing.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use axum::http::{Method, Request, StatusCode};
use shop_common::request_metrics::{SeriesCache, intern};

/// A request being timed, with the labels known before it is handled.
#[derive(Debug)]
pub struct Timing {
    started: Instant,
    method: &'static str,
    route: &'static str,
}

impl Timing {
    pub fn start<B>(request: &Request<B>) -> Self {
        Self {
            started: Instant::now(),
            method: method_label(request.method()),
            route: request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", |path| intern(path.as_str())),
        }
    }

    /// Counts and times the request, answered with `status`; returns its duration.
    pub fn finish(&self, status: StatusCode) -> Duration {
        let elapsed = self.started.elapsed();
        SERIES.record([self.method, self.route, status_label(status)], elapsed);
        elapsed
    }
}

static SERIES: LazyLock<SeriesCache<3>> = LazyLock::new(|| {
    SeriesCache::new(
        "http_requests_total",
        "http_request_duration_seconds",
        ["method", "route", "status"],
    )
});

/// The status label; the usual codes without a lookup.
fn status_label(status: StatusCode) -> &'static str {
    match status.as_u16() {
        200 => "200",
        201 => "201",
        204 => "204",
        304 => "304",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        other => intern(&other.to_string()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_code_as_label() {
        for code in [200, 404, 418, 599] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status_label(status), code.to_string());
        }
    }
}
