//! Orders on PostgreSQL with a transactional outbox to Kafka; follows each order
//! through stock and shipping.
//!
//! - [`domain`]: statuses and their transitions, new-order rules and pricing.
//! - [`store`]: orders, items, outbox, processed events.
//! - [`workflow`]: every change to an order with its events, in one transaction.
//! - [`relay`]: publishes the outbox to Kafka.
//! - [`janitor`]: deletes sent outbox rows and processed event ids past their retention.
//! - [`events`]: consumes stock's and shipping's events.
//! - `grpc`: the `OrdersService` face.

pub mod config;
mod convert;
pub mod domain;
mod error;
pub mod events;
mod grpc;
pub mod janitor;
pub mod relay;
pub mod store;
pub mod workflow;

use std::net::SocketAddr;
use std::sync::Arc;

pub use config::Config;
pub use error::AppError;
use shop_common::events::consumer::FetchPace;
use shop_common::events::{Consumer, EventProducer};
use shop_common::grpc_client::{self, ChannelTimeouts};
use shop_common::postgres::{PoolOptions, connect_and_migrate};
use shop_common::server::GrpcServer;
use shop_proto::orders::v1::orders_service_server::{OrdersServiceServer, SERVICE_NAME};
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use sqlx::PgPool;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::events::OrderEvents;
use crate::janitor::RetentionJanitor;
use crate::relay::OutboxRelay;
use crate::workflow::Workflow;

/// The orders service, connected and bound, not yet serving.
pub struct App {
    config: Config,
    server: GrpcServer,
    pool: PgPool,
    producer: EventProducer,
    products: ProductsServiceClient<tonic::transport::Channel>,
}

impl App {
    pub async fn build(config: Config) -> Result<Self, AppError> {
        let pool = connect_and_migrate(
            &config.database_url,
            PoolOptions::default(),
            &store::MIGRATOR,
        )
        .await?;
        let producer = EventProducer::new(&config.kafka)?;
        let products = grpc_client::channel(&config.products_url, ChannelTimeouts::default())?;
        let server = GrpcServer::bind(&config.server).await?;
        Ok(Self {
            config,
            server,
            pool,
            producer,
            products: ProductsServiceClient::new(products),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.server.local_addr().unwrap_or(self.config.server.addr)
    }

    /// Serves gRPC, relays the outbox and consumes events until `shutdown`.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), AppError> {
        // Stops the background tasks when the server stops for any reason.
        let stop = shutdown.child_token();
        let wake = Arc::new(Notify::new());
        let workflow = Workflow::new(self.pool.clone(), wake.clone());
        let kafka = self.config.kafka.clone();

        let janitor = RetentionJanitor::new(self.pool.clone(), self.config.retention);
        let janitor = tokio::spawn(janitor.run(stop.clone()));
        let relay = OutboxRelay::new(self.pool, self.producer, kafka.topic_prefix.clone(), wake);
        let relay = tokio::spawn(relay.run(stop.clone()));
        let handler = OrderEvents {
            workflow: workflow.clone(),
        };
        let stock_answers = Consumer::of_events(
            kafka.clone(),
            events::STOCK_ANSWERS_GROUP,
            (&events::STOCK_ANSWERS, &events::PRODUCED),
            FetchPace::Prompt,
            handler.clone(),
        )
        .spawn(stop.clone());
        let shipments = Consumer::of_events(
            kafka,
            events::SHIPMENTS_GROUP,
            (&events::SHIPMENTS, &[]),
            FetchPace::Background,
            handler,
        )
        .spawn(stop.clone());

        let routes = tonic::service::Routes::new(OrdersServiceServer::new(grpc::OrdersGrpc::new(
            workflow,
            self.products,
        )));
        let served = self.server.serve(routes, &[SERVICE_NAME], shutdown).await;
        stop.cancel();
        let _ = tokio::join!(relay, janitor, stock_answers, shipments);
        Ok(served?)
    }
}

/// Serves the orders service until `shutdown` is cancelled.
pub async fn run(config: Config, shutdown: CancellationToken) -> Result<(), AppError> {
    App::build(config).await?.run(shutdown).await
}
