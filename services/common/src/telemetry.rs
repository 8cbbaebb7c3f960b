//! Logs and metrics.
//!
//! Logs are JSON lines on stdout (`LOG_FORMAT=text` for a terminal), filtered by
//! `RUST_LOG` (default `info`). Metrics go to one process-wide Prometheus recorder,
//! rendered by the `/metrics` endpoint of [`crate::server`].

mod span_fields;

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

use span_fields::JsonSpanFields;

/// Installs the global log subscriber. Safe to call more than once (tests): later
/// calls leave the first subscriber in place.
pub fn init_logging() {
    let text = std::env::var("LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("text"));
    // Colour only for a person at a terminal; never in pipes, files or JSON.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none();
    let format = tracing_subscriber::fmt::layer()
        .with_ansi(colour)
        .with_target(true);
    let format = if text {
        format.boxed()
    } else {
        format
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(JsonSpanFields)
            .boxed()
    };
    let _already_set = tracing_subscriber::registry()
        .with(log_filter())
        .with(format)
        .try_init();
}

/// The filter `RUST_LOG` asks for (default `info`).
///
/// Directives naming only targets and levels (`info`, `shop_orders=debug,info`) become
/// a [`Targets`] filter, decided once per call site. [`EnvFilter`] is used only when
/// they need it (span or field directives): it consults shared locks on every span
/// enter and exit, which the worker threads of a busy service would contend for.
fn log_filter<S>() -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'span> LookupSpan<'span>,
{
    let directives = std::env::var("RUST_LOG").unwrap_or_default();
    let directives = if directives.trim().is_empty() {
        "info"
    } else {
        directives.as_str()
    };
    if let Some(targets) = static_targets(directives) {
        return targets.boxed();
    }
    EnvFilter::try_new(directives)
        .unwrap_or_else(|_| EnvFilter::new("info"))
        .boxed()
}

/// `directives` as a [`Targets`] filter, when none of them names a span (`[...]`) or a
/// field (`{...}`), which only [`EnvFilter`] understands.
fn static_targets(directives: &str) -> Option<Targets> {
    if directives.contains(['[', '{']) {
        return None;
    }
    directives.parse().ok()
}

static PROMETHEUS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process-wide Prometheus recorder, installed on first use.
///
/// Several services may run in one test process; they share this recorder rather
/// than fail to install a second one.
pub fn metrics() -> PrometheusHandle {
    PROMETHEUS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                    10.0,
                ])
                .expect("the bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            spawn_upkeep(handle.clone());
            handle
        })
        .clone()
}

/// Histograms are summarised lazily; upkeep keeps their memory bounded between scrapes.
fn spawn_upkeep(handle: PrometheusHandle) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_and_level_directives_parse_as_static_targets() {
        let targets = static_targets("shop_orders=debug,warn").unwrap();
        assert_eq!(
            targets.default_level(),
            Some(tracing::level_filters::LevelFilter::WARN)
        );
        assert!(targets.would_enable("shop_orders::relay", &tracing::Level::DEBUG));
        assert!(!targets.would_enable("sqlx", &tracing::Level::INFO));
    }

    #[test]
    fn span_and_field_directives_are_left_to_env_filter() {
        assert!(static_targets("shop_gateway[request]=debug").is_none());
        assert!(static_targets("info,[{request_id=abc}]=trace").is_none());
    }
}
