//! The two series of served requests (a count and a duration), by label values.
//!
//! Recording through `metrics::counter!(name, labels)` hashes the labels into the
//! registry and allocates their strings on every call. Here label values are
//! `'static` (interned once each) and each label set's handles are looked up once
//! per thread, then kept there: a request touches no lock and no reference count
//! shared with the other worker threads, only the two series' atomics.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::{LazyLock, RwLock};
use std::time::Duration;

use metrics::{Counter, Histogram, Label};
use thread_local::ThreadLocal;

/// The series of one label set.
struct RequestSeries {
    requests: Counter,
    duration: Histogram,
}

impl RequestSeries {
    fn record(&self, elapsed: Duration) {
        self.duration.record(elapsed.as_secs_f64());
        self.requests.increment(1);
    }
}

/// The series of a counter and a histogram sharing `N` labels, by label values.
pub struct SeriesCache<const N: usize> {
    counter: &'static str,
    histogram: &'static str,
    labels: [&'static str; N],
    known: ThreadLocal<RefCell<HashMap<[&'static str; N], RequestSeries>>>,
}

impl<const N: usize> SeriesCache<N> {
    /// `counter` and `histogram` labelled by `labels`.
    pub fn new(counter: &'static str, histogram: &'static str, labels: [&'static str; N]) -> Self {
        Self {
            counter,
            histogram,
            labels,
            known: ThreadLocal::new(),
        }
    }

    /// Counts one request with these label values (in the order of the labels) that
    /// took `elapsed`.
    pub fn record(&self, values: [&'static str; N], elapsed: Duration) {
        let mut known = self.known.get_or_default().borrow_mut();
        known
            .entry(values)
            .or_insert_with(|| self.register(values))
            .record(elapsed);
    }

    fn register(&self, values: [&'static str; N]) -> RequestSeries {
        let labels: Vec<Label> = self
            .labels
            .iter()
            .zip(values)
            .map(|(name, value)| Label::from_static_parts(name, value))
            .collect();
        RequestSeries {
            requests: metrics::counter!(self.counter, labels.iter()),
            duration: metrics::histogram!(self.histogram, labels.iter()),
        }
    }
}

/// Most distinct values [`intern`] keeps; later ones share [`OTHER`].
const MAX_INTERNED: usize = 4096;

/// The label of values past [`MAX_INTERNED`].
pub const OTHER: &str = "other";

static INTERNED: LazyLock<RwLock<HashSet<&'static str>>> = LazyLock::new(RwLock::default);

/// `value` as a `'static` label value, leaked once. Values should come from a finite
/// set (route templates, gRPC methods, status codes); past [`MAX_INTERNED`] distinct
/// ones, the rest are [`OTHER`], so a client sending odd values cannot grow memory
/// or series without bound.
pub fn intern(value: &str) -> &'static str {
    thread_local! {
        // This thread's copy of the values it has seen, so the hot path of a busy
        // worker thread takes no lock shared with the others.
        static SEEN: RefCell<HashSet<&'static str>> = RefCell::default();
    }
    if let Some(known) = SEEN.with_borrow(|seen| seen.get(value).copied()) {
        return known;
    }
    let interned = intern_shared(value);
    if interned != OTHER {
        SEEN.with_borrow_mut(|seen| seen.insert(interned));
    }
    interned
}

fn intern_shared(value: &str) -> &'static str {
    if let Some(known) = INTERNED.read().ok().and_then(|set| set.get(value).copied()) {
        return known;
    }
    let Ok(mut set) = INTERNED.write() else {
        return OTHER;
    };
    if let Some(known) = set.get(value) {
        return known;
    }
    if set.len() >= MAX_INTERNED {
        return OTHER;
    }
    let leaked: &'static str = Box::leak(value.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_interned_once() {
        let first = intern("/api/v1/things/{id}");
        let again = intern(&String::from("/api/v1/things/{id}"));
        assert!(std::ptr::eq(first, again));
    }

    #[test]
    fn each_label_set_counts_its_own_requests() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            let cache = SeriesCache::new("t_total", "t_seconds", ["method", "code"]);
            cache.record(["/a", "0"], Duration::from_millis(2));
            cache.record(["/a", "0"], Duration::from_millis(3));
            cache.record(["/a", "5"], Duration::from_millis(1));
        });
        let text = handle.render();
        assert!(
            text.contains(r#"t_total{method="/a",code="0"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(r#"t_total{method="/a",code="5"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"t_seconds_count{method="/a",code="0"} 2"#),
            "{text}"
        );
    }

    #[test]
    fn threads_with_their_own_caches_count_into_one_series() {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        let cache = SeriesCache::new("u_total", "u_seconds", ["method"]);
        std::thread::scope(|scope| {
            for _ in 0..2 {
                scope.spawn(|| {
                    metrics::with_local_recorder(&recorder, || {
                        cache.record(["/b"], Duration::from_millis(1));
                    });
                });
            }
        });
        let text = handle.render();
        assert!(text.contains(r#"u_total{method="/b"} 2"#), "{text}");
    }
}
