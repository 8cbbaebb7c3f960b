//! Serving a gRPC service the same way everywhere: health checking protocol, request
//! metrics, `/metrics` on its own port, and a graceful drain on shutdown.

mod metrics_layer;
mod request_span;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic_health::ServingStatus;
use tonic_health::pb::health_server::HealthServer;
use tonic_health::server::{HealthReporter, HealthService};

pub use metrics_layer::GrpcMetricsLayer;
pub use request_span::{REQUEST_ID, RequestSpanLayer};

use crate::service::ServerConfig;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {addr} (is another process using the port?)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the gRPC server failed")]
    Grpc(#[from] tonic::transport::Error),
    #[error("the metrics server failed")]
    Metrics(#[source] std::io::Error),
}

/// Binds a TCP listener, naming the address when it fails.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServerError::Bind { addr, source })
}

/// A gRPC server whose ports are bound (so tests can ask for port 0 and read the
/// real address) but which is not serving yet.
pub struct GrpcServer {
    service_name: &'static str,
    grpc: TcpListener,
    metrics: TcpListener,
    health: HealthReporter,
    /// Completes when the service can do its job (SERVING is reported only then).
    readiness: Option<Readiness>,
}

type Readiness = Pin<Box<dyn Future<Output = ()> + Send>>;

impl GrpcServer {
    pub async fn bind(config: &ServerConfig) -> Result<Self, ServerError> {
        let grpc = bind(config.addr).await?;
        let metrics = bind(config.metrics_addr).await?;
        Ok(Self {
            service_name: config.service.name(),
            grpc,
            metrics,
            health: HealthReporter::new(),
            readiness: None,
        })
    }

    /// Reports NOT_SERVING until `ready` completes, for a service that cannot do its
    /// job right after start (auth, until the bootstrap admin exists): a readiness
    /// probe keeps traffic away meanwhile, while the port answers liveness probes.
    pub fn ready_when(mut self, ready: impl Future<Output = ()> + Send + 'static) -> Self {
        self.readiness = Some(Box::pin(ready));
        self
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.grpc.local_addr()
    }

    pub fn metrics_addr(&self) -> std::io::Result<SocketAddr> {
        self.metrics.local_addr()
    }

    /// The health reporter, for services that flip readiness as dependencies come and go.
    pub fn health(&self) -> HealthReporter {
        self.health.clone()
    }

    /// Serves `routes` until `shutdown` is cancelled, then stops accepting, reports
    /// NOT_SERVING and lets in-flight calls finish.
    ///
    /// `names` are the fully qualified gRPC service names reported as SERVING (the
    /// empty name, the whole server, always is).
    pub async fn serve(
        mut self,
        routes: Routes,
        names: &[&str],
        shutdown: CancellationToken,
    ) -> Result<(), ServerError> {
        let addr = self.local_addr().map_err(ServerError::Metrics)?;
        let statuses: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let readiness = report_serving(
            self.health.clone(),
            statuses,
            self.readiness.take(),
            shutdown.clone(),
        )
        .await;
        // The recorder is installed before the first call: the metrics layer keeps
        // the handles it looks up (see `request_metrics`).
        let metrics = tokio::spawn(serve_metrics(
            self.metrics,
            metrics_router(),
            shutdown.clone(),
        ));
        tracing::info!(service = self.service_name, %addr, "serving gRPC");

        let health = self.health.clone();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let drain = async move {
            shutdown.cancelled().await;
            for name in names.iter().map(String::as_str).chain([""]) {
                health
                    .set_service_status(name, ServingStatus::NotServing)
                    .await;
            }
        };
        let health_service = HealthServer::new(HealthService::from_health_reporter(self.health));
        // Nagle's algorithm would hold a response written while an earlier one on the
        // same HTTP/2 connection is unacknowledged, for up to the peer's delayed ACK
        // (40 ms). `serve_with_incoming` ignores the builder's `tcp_nodelay`.
        let incoming =
            tonic::transport::server::TcpIncoming::from(self.grpc).with_nodelay(Some(true));
        tonic::transport::Server::builder()
            .layer(RequestSpanLayer)
            .layer(GrpcMetricsLayer)
            .add_routes(routes.add_service(health_service))
            .serve_with_incoming_shutdown(incoming, drain)
            .await?;
        readiness.abort();
        match metrics.await {
            Ok(result) => result?,
            Err(join) => tracing::error!(error = %join, "metrics server panicked"),
        }
        tracing::info!(service = self.service_name, "stopped");
        Ok(())
    }
}

/// Reports `names` (and the whole server, the empty name) SERVING: now, or once
/// `readiness` completes unless shutdown comes first. Returns the waiting task.
async fn report_serving(
    health: HealthReporter,
    names: Vec<String>,
    readiness: Option<Readiness>,
    shutdown: CancellationToken,
) -> tokio::task::JoinHandle<()> {
    let set_all = |health: HealthReporter, names: Vec<String>, status: ServingStatus| async move {
        for name in names.iter().map(String::as_str).chain([""]) {
            health.set_service_status(name, status).await;
        }
    };
    let Some(readiness) = readiness else {
        set_all(health, names, ServingStatus::Serving).await;
        return tokio::spawn(async {});
    };
    set_all(health.clone(), names.clone(), ServingStatus::NotServing).await;
    tokio::spawn(async move {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => {}
            () = readiness => set_all(health, names, ServingStatus::Serving).await,
        }
    })
}

/// A router exposing the Prometheus text format at `/metrics`.
pub fn metrics_router() -> Router {
    let handle = crate::telemetry::metrics();
    Router::new().route("/metrics", get(move || async move { handle.render() }))
}

async fn serve_metrics(
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(ServerError::Metrics)
}
