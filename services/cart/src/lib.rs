//! Shopping carts on MongoDB, one document per user, changed by single atomic
//! operations so that concurrent changes (two tabs of one user) never lose an update.
//!
//! - [`domain`]: ids, quantities, names, prices and the cart's rules; no I/O.
//! - [`store`]: the connection, the indexes (unique user, expiry) and the carts.
//! - [`grpc`]: the `rustshop.cart.v1.CartService` face.

pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod store;

pub use config::Config;
pub use error::AppError;

use std::net::SocketAddr;

use shop_common::server::GrpcServer;
use shop_proto::cart::v1::cart_service_server::{CartServiceServer, SERVICE_NAME};
use tokio_util::sync::CancellationToken;

use crate::grpc::CartGrpc;
use crate::store::CartStore;

/// The cart service, connected and bound but not serving yet.
pub struct App {
    server: GrpcServer,
    addr: SocketAddr,
    store: CartStore,
}

impl App {
    /// Connects to MongoDB (waiting for it a bounded time), creates the indexes
    /// (replacing the expiry index if `CART_TTL` changed) and binds the ports.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let database = store::connect(&config.mongodb_uri, &config.mongodb_database).await?;
        let carts = database.collection(store::CARTS);
        store::indexes::ensure(&carts, config.cart_ttl.0)
            .await
            .map_err(AppError::Indexes)?;
        let server = GrpcServer::bind(&config.server).await?;
        let addr = server.local_addr().map_err(AppError::LocalAddr)?;
        Ok(Self {
            server,
            addr,
            store: CartStore::new(&database),
        })
    }

    /// The bound gRPC address (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` is cancelled, then drains in-flight calls.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let routes = tonic::service::Routes::new(CartServiceServer::new(CartGrpc::new(self.store)));
        self.server.serve(routes, &[SERVICE_NAME], shutdown).await?;
        Ok(())
    }
}

/// Runs the cart service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
