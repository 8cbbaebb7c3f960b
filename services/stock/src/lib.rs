//! Reserves stock for new orders and releases it for cancelled ones.
//!
//! stock consumes `order_created` and asks products to `ReserveStock` for the order
//! (all or nothing, recorded per order id, so a redelivered event changes nothing),
//! then announces `stock_reserved` or `stock_rejected`. On `order_cancelled` it asks
//! products to `ReleaseStock` (given back once). It owns no data: products records
//! the reservations.

pub mod config;
pub mod events;

use std::net::SocketAddr;

pub use config::Config;
use shop_common::events::consumer::FetchPace;
use shop_common::events::{Consumer, EventProducer};
use shop_common::grpc_client::{self, ChannelTimeouts};
use shop_common::server::{GrpcServer, ServerError};
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use tokio_util::sync::CancellationToken;

use crate::events::StockEvents;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("cannot set up Kafka")]
    Kafka(#[from] rdkafka::error::KafkaError),
    #[error("invalid products service address")]
    ProductsUrl(#[from] tonic::transport::Error),
}

/// The stock service, bound and connected, not yet consuming.
pub struct App {
    config: Config,
    server: GrpcServer,
    handler: StockEvents,
}

impl App {
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let channel = grpc_client::channel(&config.products_url, ChannelTimeouts::default())?;
        let handler = StockEvents::new(
            ProductsServiceClient::new(channel),
            EventProducer::new(&config.kafka)?,
            config.kafka.clone(),
        );
        let server = GrpcServer::bind(&config.server).await?;
        Ok(Self {
            config,
            server,
            handler,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr().unwrap_or(self.config.server.addr)
    }

    /// Consumes order events and serves health checks until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        Consumer::of_events(
            self.config.kafka,
            "stock",
            (&events::CONSUMED, &events::PRODUCED),
            FetchPace::Prompt,
            self.handler,
        )
        .run_beside(self.server, shutdown)
        .await?;
        Ok(())
    }
}

/// Runs the stock service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
