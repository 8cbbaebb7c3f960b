//! The operator's own metrics and health: `/metrics` (Prometheus) and `/healthz`.

use std::time::Duration;

use axum::Router;
use axum::routing::get;
use metrics::{counter, histogram};
use tokio::net::TcpListener;

/// Counts a reconcile and records how long it took.
pub fn reconciled(duration: Duration) {
    counter!("shop_operator_reconciles_total").increment(1);
    histogram!("shop_operator_reconcile_duration_seconds").record(duration.as_secs_f64());
}

/// Counts a failed reconcile, by reason (`apply`, `build`, `status`, ...).
pub fn failed(reason: &'static str) {
    counter!("shop_operator_reconcile_failures_total", "reason" => reason).increment(1);
}

/// The routes: `/metrics` renders the process-wide recorder, `/healthz` answers `ok`.
/// Installs the recorder: call it before anything is recorded.
pub fn router() -> Router {
    let handle = shop_common::telemetry::metrics();
    Router::new()
        .route("/metrics", get(move || std::future::ready(handle.render())))
        .route("/healthz", get(|| std::future::ready("ok")))
}

/// Serves `routes` (see [`router`]) on `listener` until the process ends.
pub async fn serve(listener: TcpListener, routes: Router) -> std::io::Result<()> {
    axum::serve(listener, routes).await
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).await.unwrap();
        response
    }

    #[tokio::test]
    async fn metrics_count_reconciles_and_failures_by_reason() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener, router()));
        reconciled(Duration::from_millis(20));
        failed("apply");
        let health = get(addr, "/healthz").await;
        assert!(health.starts_with("HTTP/1.1 200"), "{health}");
        let metrics = get(addr, "/metrics").await;
        assert!(
            metrics.contains("shop_operator_reconciles_total"),
            "{metrics}"
        );
        assert!(
            metrics.contains("shop_operator_reconcile_failures_total{reason=\"apply\"}"),
            "{metrics}"
        );
        assert!(
            metrics.contains("shop_operator_reconcile_duration_seconds"),
            "{metrics}"
        );
    }
}
