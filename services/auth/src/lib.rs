//! Login, token issue and verification (EdDSA JWTs), the bootstrap admin.
//!
//! - [`grpc`] — `rustshop.auth.v1.AuthService` (Register, Login, VerifyToken, GetMe,
//!   GetPublicKey).
//! - [`login`] — credential checks, with [`throttle`] against password guessing.
//! - [`tokens`] and [`keys`] — signing and verifying tokens with an Ed25519 key pair.
//! - [`bootstrap`] — creating the configured SUPER_ADMIN at start.
//! - [`policy`] — who may register which role.
//!
//! auth owns no database: accounts live in users, reached through a lazily
//! connected channel.

pub mod bootstrap;
pub mod config;
pub mod error;
pub mod grpc;
pub mod keys;
pub mod login;
pub mod policy;
pub mod throttle;
pub mod tokens;

pub use config::Config;
pub use error::AppError;

use std::net::SocketAddr;

use shop_common::grpc_client::{ChannelTimeouts, channel};
use shop_common::password::PasswordHasher;
use shop_common::server::{GrpcServer, ServerError};
use shop_proto::auth::v1::auth_service_server::{AuthServiceServer, SERVICE_NAME};
use shop_proto::users::v1::users_service_client::UsersServiceClient;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::bootstrap::{AdminAccount, BootstrapStatus, ensure_admin};
use crate::grpc::AuthGrpc;
use crate::keys::SigningKeys;
use crate::login::Authenticator;
use crate::throttle::LoginThrottle;
use crate::tokens::Tokens;

/// The client auth calls users with (one shared channel).
pub type UsersClient = UsersServiceClient<tonic::transport::Channel>;

/// The auth service, with its keys loaded and its port bound, not yet serving.
pub struct App {
    server: GrpcServer,
    addr: SocketAddr,
    service: AuthGrpc,
    users: UsersClient,
    admin: AdminAccount,
    bootstrap: watch::Sender<BootstrapStatus>,
}

impl App {
    /// Loads (or creates) the signing key and binds the ports. users need not be up.
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let keys = SigningKeys::load(config.keys.clone()).await?;
        tracing::info!(key_id = %keys.key_id, "JWT signing key loaded");
        let tokens = Tokens::new(keys, config.token_ttl.0);
        let hasher = PasswordHasher::new(config.argon2)?;
        let users =
            UsersServiceClient::new(channel(&config.users_url, ChannelTimeouts::default())?);
        let authenticator =
            Authenticator::new(users.clone(), hasher, LoginThrottle::new(config.throttle));
        let server = GrpcServer::bind(&config.server).await?;
        let addr = server.local_addr().map_err(|source| ServerError::Bind {
            addr: config.server.addr,
            source,
        })?;
        Ok(Self {
            server,
            addr,
            service: AuthGrpc::new(users.clone(), authenticator, tokens),
            users,
            admin: AdminAccount {
                email: config.admin_email,
                password: config.admin_password,
            },
            bootstrap: watch::Sender::new(BootstrapStatus::Pending),
        })
    }

    /// The bound gRPC address (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Follows the bootstrap admin check that [`App::run`] starts.
    pub fn bootstrap_status(&self) -> watch::Receiver<BootstrapStatus> {
        self.bootstrap.subscribe()
    }

    /// Serves until `shutdown` is cancelled, making sure of the bootstrap admin in the
    /// background meanwhile.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let mut admin_checked = self.bootstrap.subscribe();
        let bootstrap = tokio::spawn(ensure_admin(
            self.users,
            self.admin,
            self.bootstrap,
            shutdown.child_token(),
        ));
        // Not ready until the admin exists: a client that logs in as the admin as soon
        // as auth is healthy (a seed script, a test) must not be refused.
        let ready = async move {
            // Failed (a bad admin e-mail) is logged; logins of others still work.
            let _ = admin_checked
                .wait_for(|status| *status != BootstrapStatus::Pending)
                .await;
        };
        let routes = tonic::service::Routes::new(AuthServiceServer::new(self.service));
        let served = self
            .server
            .ready_when(ready)
            .serve(routes, &[SERVICE_NAME], shutdown.clone())
            .await;
        // On a server error the bootstrap is stopped too; on shutdown it already was.
        bootstrap.abort();
        Ok(served?)
    }
}

/// Serves the auth service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
