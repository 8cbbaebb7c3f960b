//! The HTTP API of rustshop.
//!
//! The `/api/v1` routes arrive with the gateway's issue; for now the gateway serves
//! its health endpoints and `/metrics`, and drains in-flight requests on shutdown.

pub mod config;
pub mod routes;

pub use config::Config;

use shop_common::server::{ServerError, bind};
use tokio_util::sync::CancellationToken;

/// Serves the gateway until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    let listener = bind(config.server.addr).await?;
    let addr = listener.local_addr().map_err(ServerError::Metrics)?;
    tracing::info!(%addr, "serving HTTP");
    let app = routes::router(shutdown.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await
        .map_err(ServerError::Metrics)?;
    tracing::info!("stopped");
    Ok(())
}
