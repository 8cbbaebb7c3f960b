//! Accounts on PostgreSQL: profiles, roles, argon2id password hashes.
//!
//! - [`grpc`] — `rustshop.users.v1.UsersService`.
//! - [`domain`] — validated account fields and the account model.
//! - [`store`] — the `users` table.
//!
//! The password hash never leaves the service, except through `GetUserCredentials`,
//! which only auth calls (the gateway does not route to it).

pub mod config;
pub mod domain;
pub mod error;
pub mod grpc;
pub mod store;

pub use config::Config;
pub use error::AppError;

use std::net::SocketAddr;

use shop_common::password::PasswordHasher;
use shop_common::postgres::{PoolOptions, connect_and_migrate};
use shop_common::server::{GrpcServer, ServerError};
use shop_proto::users::v1::users_service_server::{SERVICE_NAME, UsersServiceServer};
use sqlx::migrate::Migrator;
use tokio_util::sync::CancellationToken;

use crate::grpc::UsersGrpc;
use crate::store::UserStore;

/// The service's migrations (`migrations/`), also used by tests to prepare databases.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// The users service, connected, migrated and bound, not yet serving.
pub struct App {
    server: GrpcServer,
    addr: SocketAddr,
    service: UsersGrpc,
}

impl App {
    /// Connects to PostgreSQL (with retries), runs migrations and binds the ports.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let hasher = PasswordHasher::new(config.argon2)?;
        let pool =
            connect_and_migrate(&config.database_url, PoolOptions::default(), &MIGRATOR).await?;
        let server = GrpcServer::bind(&config.server).await?;
        let addr = server.local_addr().map_err(|source| ServerError::Bind {
            addr: config.server.addr,
            source,
        })?;
        Ok(Self {
            server,
            addr,
            service: UsersGrpc::new(UserStore::new(pool), hasher),
        })
    }

    /// The bound gRPC address (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` is cancelled, then drains in-flight calls.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let routes = tonic::service::Routes::new(UsersServiceServer::new(self.service));
        self.server.serve(routes, &[SERVICE_NAME], shutdown).await?;
        Ok(())
    }
}

/// Serves the users service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
