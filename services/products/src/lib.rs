//! The catalog on PostgreSQL with a Redis cache, full-text search, and atomic stock
//! reservations.
//!
//! - [`grpc`]: the `ProductsService` face.
//! - [`catalog`]: product operations with permissions and the cache-aside logic.
//! - [`reservations`]: stock reservations for the order flow.
//! - [`domain`]: types and rules, no I/O.
//! - [`store`]: PostgreSQL and Redis access.

pub mod catalog;
pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod reservations;
pub mod store;

pub use config::Config;
pub use error::AppError;

use std::net::SocketAddr;

use shop_common::postgres::connect_and_migrate;
use shop_common::server::{GrpcServer, ServerError};
use sqlx::migrate::Migrator;
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::grpc::{ProductsApi, ProductsServiceServer, SERVICE_NAME};
use crate::reservations::Reservations;
use crate::store::{CacheSettings, ProductCache, ProductStore, ReservationStore};

/// The database migrations, embedded at build time.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The service, connected and bound but not serving yet.
pub struct App {
    server: GrpcServer,
    addr: SocketAddr,
    api: ProductsApi,
}

impl App {
    /// Connects to PostgreSQL (migrating it), prepares the Redis cache (without
    /// waiting for Redis: the service serves from PostgreSQL while it is down) and
    /// binds the ports.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        describe_metrics();
        let pool = connect_and_migrate(&config.database_url, config.pool, &MIGRATOR).await?;
        let cache = ProductCache::new(
            &config.redis_url,
            CacheSettings {
                prefix: config.redis_key_prefix,
                ttl: config.cache_ttl.0,
                timeout: config.cache_timeout.0,
                near_ttl: config.local_cache_ttl.0,
            },
        )
        .map_err(AppError::Redis)?;
        let api = ProductsApi::new(
            Catalog::new(ProductStore::new(pool.clone()), cache.clone()),
            Reservations::new(ReservationStore::new(pool), cache),
        );
        let server = GrpcServer::bind(&config.server).await?;
        let addr = server.local_addr().map_err(|source| ServerError::Bind {
            addr: config.server.addr,
            source,
        })?;
        Ok(Self { server, addr, api })
    }

    /// Where gRPC is served (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` is cancelled, then drains in-flight calls.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let routes = tonic::service::Routes::new(ProductsServiceServer::new(self.api));
        self.server.serve(routes, &[SERVICE_NAME], shutdown).await?;
        Ok(())
    }
}

/// Serves the products service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}

fn describe_metrics() {
    // Installs the recorder first, so the descriptions are kept.
    shop_common::telemetry::metrics();
    metrics::describe_counter!(
        "products_cache_hits_total",
        "Reads answered from Redis, by kind (product, page)"
    );
    metrics::describe_counter!(
        "products_cache_misses_total",
        "Reads not in Redis, answered from PostgreSQL, by kind (product, page)"
    );
    metrics::describe_counter!(
        "products_cache_errors_total",
        "Failed or timed-out Redis calls, by operation; the request was served from PostgreSQL"
    );
    metrics::describe_counter!(
        "products_reservations_total",
        "ReserveStock calls by outcome (reserved, rejected, repeated)"
    );
    metrics::describe_counter!(
        "products_releases_total",
        "ReleaseStock calls by outcome (released, unchanged)"
    );
}
