//! The HTTP API of rustshop (`/api/v1`).
//!
//! - [`routes`]: one module per area (auth, users, products, cart, orders) calling the
//!   services over gRPC, plus health.
//! - [`auth`]: bearer tokens verified locally with auth's public key; role rules.
//! - [`accounts`]: the account behind a token still exists, is active, has its role.
//! - [`error`]: the one mapping from gRPC status (and every other failure) to HTTP.
//! - [`envelope`], [`dto`]: the JSON shapes of responses and bodies.
//! - [`json`], [`extract`]: extractors whose rejections are API errors.
//! - [`listing`]: the query parameters of listings (page, limit, sort, order).
//! - [`middleware`]: request ids, tracing, metrics, security headers, CORS, gzip,
//!   the error envelope, timeouts and the body limit.
//! - [`clients`]: one lazily connected gRPC channel per upstream service.
//! - [`openapi`]: the OpenAPI document and the offline docs page.
//! - [`workers`]: HTTP served by one single-threaded runtime per CPU.

pub mod accounts;
pub mod auth;
pub mod clients;
pub mod config;
pub mod dto;
pub mod envelope;
pub mod error;
pub mod extract;
pub mod json;
pub mod listing;
pub mod middleware;
pub mod openapi;
pub mod revalidation;
pub mod routes;
pub mod verified_tokens;
pub mod workers;

pub use config::Config;

use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::ops::Deref;
use std::sync::Arc;

use shop_common::server::{ServerError, bind};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::accounts::AccountCheck;
use crate::auth::KeyStore;
use crate::clients::Clients;
use crate::config::Upstreams;
use crate::middleware::HttpSettings;
use crate::revalidation::RevalidatedPages;
use crate::verified_tokens::VerifiedTokens;
use crate::workers::{MakeRouter, WorkerError};

/// What every handler shares, behind one `Arc`: axum clones the state for each
/// request (and each extractor that takes it), and one reference count costs less
/// than cloning every part (the caches are several reference counts each).
#[derive(Debug, Clone)]
pub struct AppState(Arc<SharedState>);

/// The upstream clients, the token key and what is known of the accounts behind
/// tokens.
#[derive(Debug, Clone)]
pub struct SharedState {
    pub clients: Arc<Clients>,
    pub keys: KeyStore,
    pub accounts: Arc<AccountCheck>,
    pub pages: RevalidatedPages,
    pub verified: VerifiedTokens,
}

impl AppState {
    pub fn new(shared: SharedState) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.0
    }
}

/// Why the gateway could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("invalid upstream service address")]
    Upstream(#[from] tonic::transport::Error),
    #[error(transparent)]
    Workers(#[from] WorkerError),
}

/// The gateway with its port bound and its clients made, not serving yet.
pub struct App {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    upstreams: Upstreams,
    settings: HttpSettings,
    http_threads: NonZeroUsize,
    fetch_key: bool,
}

impl App {
    /// Binds the port and prepares the upstream channels (connected on first use, so
    /// the services may start later).
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let listener = bind(config.server.addr).await?;
        let addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: config.server.addr,
            source,
        })?;
        // The main runtime's own channels: for the key fetch, and to refuse a bad
        // upstream address here rather than in every worker.
        let clients = Clients::new(&config.upstreams, config.request_timeout)?;
        let fetch_key = config.jwt_public_key.is_none();
        Ok(Self {
            listener,
            addr,
            state: AppState::new(SharedState {
                clients: Arc::new(clients),
                keys: KeyStore::new(config.jwt_public_key),
                accounts: Arc::default(),
                pages: RevalidatedPages::default(),
                verified: VerifiedTokens::default(),
            }),
            upstreams: config.upstreams,
            settings: HttpSettings {
                cors_origins: config.cors_origins,
                body_limit: config.body_limit.0,
                request_timeout: config.request_timeout,
            },
            http_threads: config.http_threads,
            fetch_key,
        })
    }

    /// The bound address (the real port when configured with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests finish.
    /// This runtime accepts; the [`workers`] serve.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let Self {
            listener,
            addr,
            state,
            upstreams,
            settings,
            http_threads,
            fetch_key,
        } = self;
        if fetch_key {
            tokio::spawn(auth::fetch_public_key(
                state.clients.auth.clone(),
                state.keys.clone(),
                shutdown.child_token(),
            ));
        }
        let make_router = state.router_maker(upstreams, settings);
        tracing::info!(%addr, threads = http_threads, "serving HTTP");
        workers::serve(listener, http_threads, make_router, &shutdown).await?;
        tracing::info!("stopped");
        Ok(())
    }
}

impl AppState {
    /// Each worker's router: this state with gRPC channels of the worker's own.
    fn router_maker(self, upstreams: Upstreams, settings: HttpSettings) -> MakeRouter {
        let request_timeout = settings.request_timeout;
        Arc::new(move |shutdown| {
            let state = Self::new(SharedState {
                clients: Arc::new(Clients::new(&upstreams, request_timeout)?),
                ..SharedState::clone(&self)
            });
            Ok(routes::router(state, &settings, shutdown))
        })
    }
}

/// Serves the gateway until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
