//! Sends the customer one e-mail per order event.
//!
//! notification consumes `order_created`, `order_confirmed`, `order_cancelled` and
//! `order_shipped` and sends one e-mail each, to the address the event carries (so it
//! needs no database): through SMTP when `SMTP_URL` is set, else to the log.

pub mod config;
pub mod events;
pub mod mail;
mod recent;
pub mod transport;

use std::net::SocketAddr;

pub use config::Config;
use shop_common::events::Consumer;
use shop_common::events::consumer::FetchPace;
use shop_common::server::{GrpcServer, ServerError};
use tokio_util::sync::CancellationToken;

use crate::events::NotificationEvents;
use crate::transport::{LogTransport, Transport, TransportError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error(transparent)]
    Transport(#[from] TransportError),
}

/// The notification service, bound, not yet consuming.
pub struct App {
    config: Config,
    server: GrpcServer,
    transport: Transport,
}

impl App {
    /// With the transport the config names (SMTP or the log).
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let transport = match &config.smtp_url {
            Some(url) => Transport::smtp(url.expose(), &config.mail_from)?,
            None => Transport::Log(LogTransport::default()),
        };
        Self::with_transport(config, transport).await
    }

    /// With a given transport (tests pass a recording log transport).
    pub async fn with_transport(config: Config, transport: Transport) -> Result<Self, AppError> {
        let server = GrpcServer::bind(&config.server).await?;
        Ok(Self {
            config,
            server,
            transport,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr().unwrap_or(self.config.server.addr)
    }

    /// Consumes order events and serves health checks until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        Consumer::of_events(
            self.config.kafka,
            "notification",
            (&events::CONSUMED, &events::PRODUCED),
            FetchPace::Background,
            NotificationEvents::new(self.transport),
        )
        .run_beside(self.server, shutdown)
        .await?;
        Ok(())
    }
}

/// Runs the notification service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
