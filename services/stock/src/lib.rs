//! Reserves stock for new orders (all or nothing, once per order) and releases it for cancelled ones.
//!
//! The gRPC face, store and event handling arrive with the service's own issue; for
//! now the service loads and checks its configuration and serves gRPC health checks
//! and `/metrics`.

pub mod config;

pub use config::Config;

use shop_common::server::{GrpcServer, ServerError};
use tokio_util::sync::CancellationToken;

/// Serves the stock service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), ServerError> {
    let server = GrpcServer::bind(&config.server).await?;
    server
        .serve(tonic::service::Routes::default(), &[], shutdown)
        .await
}
