//! Ships confirmed orders.
//!
//! shipping consumes `order_confirmed`, requests the shipment (logged; a carrier
//! integration plugs in here) and announces `order_shipped` with a tracking number
//! derived from the order id, so a redelivery yields the same number. It owns no data.

pub mod config;
pub mod events;
pub mod tracking;

use std::net::SocketAddr;

pub use config::Config;
use shop_common::events::consumer::FetchPace;
use shop_common::events::{Consumer, EventProducer};
use shop_common::server::{GrpcServer, ServerError};
use tokio_util::sync::CancellationToken;

use crate::events::ShippingEvents;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("cannot set up Kafka")]
    Kafka(#[from] rdkafka::error::KafkaError),
}

/// The shipping service, bound and connected, not yet consuming.
pub struct App {
    config: Config,
    server: GrpcServer,
    producer: EventProducer,
}

impl App {
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let producer = EventProducer::new(&config.kafka)?;
        let server = GrpcServer::bind(&config.server).await?;
        Ok(Self {
            config,
            server,
            producer,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr().unwrap_or(self.config.server.addr)
    }

    /// Consumes confirmed orders and serves health checks until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        let handler = ShippingEvents {
            producer: self.producer,
            kafka: self.config.kafka.clone(),
        };
        Consumer::of_events(
            self.config.kafka,
            "shipping",
            (&events::CONSUMED, &events::PRODUCED),
            FetchPace::Background,
            handler,
        )
        .run_beside(self.server, shutdown)
        .await?;
        Ok(())
    }
}

/// Runs the shipping service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
