//! HTTP metrics: `http_requests_total` and `http_request_duration_seconds`, labelled
//! by method, route template (`/api/v1/products/{id}`, never the raw path, so ids do
//! not multiply the series) and status.
//!
//! The labels are `'static` strings (route templates interned once each, statuses
//! from a table), and each series' handles are kept once looked up, so recording a
//! request allocates nothing.

use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, RwLock};
use std::time::{Duration, Instant};

use axum::extract::MatchedPath;
use axum::http::{Method, Request, StatusCode};
use metrics::{Counter, Histogram, Label};

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
        let series = series((self.method, self.route, status));
        series.duration.record(elapsed.as_secs_f64());
        series.requests.increment(1);
        elapsed
    }
}

/// The two series of one method, route and status.
#[derive(Clone)]
struct Series {
    requests: Counter,
    duration: Histogram,
}

type SeriesKey = (&'static str, &'static str, StatusCode);

/// Series looked up in the recorder once, then kept: a request then costs a read
/// lock and two atomic updates instead of hashing its labels into the registry.
/// Bounded like the routes: methods, routes and statuses are finite sets.
static SERIES: LazyLock<RwLock<HashMap<SeriesKey, Series>>> = LazyLock::new(RwLock::default);

fn series(key: SeriesKey) -> Series {
    if let Some(known) = SERIES.read().ok().and_then(|map| map.get(&key).cloned()) {
        return known;
    }
    let (method, route, status) = key;
    let labels = [
        Label::from_static_parts("method", method),
        Label::from_static_parts("route", route),
        status_label(status),
    ];
    let series = Series {
        requests: metrics::counter!("http_requests_total", labels.iter()),
        duration: metrics::histogram!("http_request_duration_seconds", labels.iter()),
    };
    if let Ok(mut map) = SERIES.write() {
        map.insert(key, series.clone());
    }
    series
}

/// The route templates seen so far. They come from the router, never from a client,
/// so there are as many as routes and leaking each once is bounded.
static ROUTES: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(RwLock::default);

fn intern(route: &str) -> &'static str {
    if let Some(known) = ROUTES.read().ok().and_then(|set| set.get(route).copied()) {
        return known;
    }
    let Ok(mut set) = ROUTES.write() else {
        return "unmatched";
    };
    if let Some(known) = set.get(route) {
        return known;
    }
    let leaked: &'static str = Box::leak(route.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

/// The status label; the usual codes without allocating.
fn status_label(status: StatusCode) -> Label {
    let fixed = match status.as_u16() {
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
        other => return Label::new("status", other.to_string()),
    };
    Label::from_static_parts("status", fixed)
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
    fn a_route_is_interned_once() {
        let first = intern("/api/v1/things/{id}");
        let again = intern(&String::from("/api/v1/things/{id}"));
        assert!(std::ptr::eq(first, again));
    }

    #[test]
    fn every_status_has_its_code_as_label() {
        for code in [200, 404, 418, 599] {
            let status = StatusCode::from_u16(code).unwrap();
            assert_eq!(status_label(status).value(), code.to_string());
        }
    }
}
