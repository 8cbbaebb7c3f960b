//! The order flow in one process: products, orders, stock, shipping and notification
//! against the real PostgreSQL, Redis and Kafka-protocol servers, each test with its
//! own databases, cache prefix and topic prefix.

#![allow(dead_code)] // each test file uses part of the harness

use std::net::SocketAddr;
use std::time::Duration;

use shop_common::auth::Role;
use shop_common::config::HumanDuration;
use shop_common::events::KafkaConfig;
use shop_common::service::{ServerConfig, ServiceKind};
use shop_notification::transport::{LogTransport, Transport};
use shop_proto::common::v1::{Actor, Money};
use shop_proto::orders::v1::orders_service_client::OrdersServiceClient;
use shop_proto::orders::v1::{
    self as pb, CreateOrderRequest, GetOrderRequest, OrderLine, OrderStatus,
};
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use shop_proto::products::v1::{CreateProductRequest, GetProductRequest};
use shop_testkit::{eventually, kafka, postgres, redis};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;
use uuid::Uuid;

/// How long the flow may take to reach a state on a loaded machine.
pub const FLOW: Duration = Duration::from_secs(90);

fn server(service: ServiceKind) -> ServerConfig {
    let any: SocketAddr = "127.0.0.1:0".parse().expect("an address");
    ServerConfig {
        service,
        addr: any,
        metrics_addr: any,
    }
}

/// A running service: cancel for a graceful stop, abort for a crash.
pub struct Running {
    pub stop: CancellationToken,
    pub task: JoinHandle<()>,
}

impl Running {
    fn spawn<F>(future: impl FnOnce(CancellationToken) -> F) -> Self
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let stop = CancellationToken::new();
        let task = tokio::spawn(future(stop.clone()));
        Self { stop, task }
    }

    /// Kills the service: no graceful drain, no final commit.
    pub fn crash(self) {
        self.task.abort();
    }

    pub async fn shut_down(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

pub struct Flow {
    pub kafka: KafkaConfig,
    pub orders: OrdersServiceClient<Channel>,
    pub products: ProductsServiceClient<Channel>,
    products_url: String,
    pub mail: LogTransport,
    pub stock: Option<Running>,
    services: Vec<Running>,
}

impl Flow {
    /// Everything running, on the shared broker.
    pub async fn start() -> Self {
        let brokers = kafka::kafka().await.brokers;
        Self::start_with(&brokers, true).await
    }

    /// Everything but shipping (orders stay confirmed), on the shared broker.
    pub async fn without_shipping() -> Self {
        let brokers = kafka::kafka().await.brokers;
        Self::start_with(&brokers, false).await
    }

    /// Everything running, on the broker at `brokers`.
    pub async fn start_on(brokers: &str) -> Self {
        Self::start_with(brokers, true).await
    }

    async fn start_with(brokers: &str, shipping: bool) -> Self {
        let topic_prefix = format!("{}.", shop_testkit::unique_name("flow"));
        let kafka = KafkaConfig {
            brokers: brokers.parse().expect("host:port"),
            topic_prefix,
            partitions: 3,
            replication: 1,
            client_id: "flow-test".into(),
            fetch_wait: None,
            background_fetch_wait: None,
        };
        let (products_addr, products_service) = start_products().await;
        let products_url = format!("http://{products_addr}");
        let (orders_addr, orders_service) = start_orders(&kafka, &products_url).await;
        let mail = LogTransport::recording();
        let mut services = vec![
            products_service,
            orders_service,
            start_notification(&kafka, mail.clone()).await,
        ];
        if shipping {
            services.push(start_shipping(&kafka).await);
        }
        let mut flow = Self {
            orders: OrdersServiceClient::connect(format!("http://{orders_addr}"))
                .await
                .expect("orders"),
            products: ProductsServiceClient::connect(products_url.clone())
                .await
                .expect("products"),
            products_url,
            kafka,
            mail,
            stock: None,
            services,
        };
        flow.start_stock().await;
        flow
    }

    /// Starts (again) the stock service.
    pub async fn start_stock(&mut self) {
        let config = shop_stock::Config {
            server: server(ServiceKind::Stock),
            products_url: self.products_url.parse().expect("a URL"),
            kafka: self.kafka.clone(),
        };
        let app = shop_stock::App::build(config).await.expect("stock starts");
        self.stock = Some(Running::spawn(|stop| async move {
            app.run(stop).await.expect("stock runs");
        }));
    }

    /// A product with `stock` units at 19.99.
    pub async fn product(&self, stock: i32) -> Uuid {
        let created = self
            .products
            .clone()
            .create_product(CreateProductRequest {
                name: format!("Flow test product {}", Uuid::now_v7()),
                description: Some("a product of the order flow tests".into()),
                price: Some(Money { cents: 1999 }),
                stock,
                images: vec![],
                actor: Some(admin()),
            })
            .await
            .expect("product created")
            .into_inner();
        created.id.parse().expect("a UUID")
    }

    pub async fn stock_of(&self, product: Uuid) -> i32 {
        self.products
            .clone()
            .get_product(GetProductRequest {
                id: product.to_string(),
            })
            .await
            .expect("product")
            .into_inner()
            .stock
    }

    /// Places an order for `quantity` of `product` as `customer`.
    pub async fn order(&self, customer: &Actor, product: Uuid, quantity: u32) -> pb::Order {
        self.orders
            .clone()
            .create_order(CreateOrderRequest {
                actor: Some(customer.clone()),
                user_email: format!("{}@example.com", customer.user_id),
                lines: vec![OrderLine {
                    product_id: product.to_string(),
                    quantity,
                }],
                idempotency_key: None,
            })
            .await
            .expect("order accepted")
            .into_inner()
    }

    pub async fn get(&self, id: &str) -> pb::Order {
        self.orders
            .clone()
            .get_order(GetOrderRequest {
                id: id.to_owned(),
                actor: Some(admin()),
            })
            .await
            .expect("order")
            .into_inner()
    }

    /// Waits until the order has `status`.
    pub async fn reaches(&self, id: &str, status: OrderStatus) -> pb::Order {
        eventually(
            &format!("order {id} to be {}", status.as_str_name()),
            FLOW,
            || async {
                let order = self.get(id).await;
                (order.status() == status).then_some(order)
            },
        )
        .await
    }

    /// Waits until the order is in a final state of the automatic flow.
    pub async fn settles(&self, id: &str) -> pb::Order {
        eventually(&format!("order {id} to settle"), FLOW, || async {
            let order = self.get(id).await;
            matches!(
                order.status(),
                OrderStatus::Shipped | OrderStatus::Cancelled
            )
            .then_some(order)
        })
        .await
    }

    pub async fn shut_down(mut self) {
        if let Some(stock) = self.stock.take() {
            stock.shut_down().await;
        }
        for service in self.services.drain(..).rev() {
            service.shut_down().await;
        }
    }
}

pub fn customer() -> Actor {
    Actor {
        user_id: Uuid::now_v7().to_string(),
        role: shop_proto::common::v1::Role::from(Role::User).into(),
    }
}

pub fn admin() -> Actor {
    Actor {
        user_id: Uuid::now_v7().to_string(),
        role: shop_proto::common::v1::Role::from(Role::Admin).into(),
    }
}

async fn start_products() -> (SocketAddr, Running) {
    let db = postgres::database(&shop_products::MIGRATOR).await;
    let cache = redis::redis().await;
    let config = shop_products::Config {
        server: server(ServiceKind::Products),
        database_url: db.url.parse().expect("a URL"),
        pool: shop_common::postgres::PoolOptions {
            max_connections: 30,
            ..Default::default()
        },
        redis_url: cache.url.parse().expect("a URL"),
        redis_key_prefix: cache.prefix.clone(),
        cache_ttl: HumanDuration(Duration::from_secs(60)),
        cache_timeout: HumanDuration(Duration::from_millis(500)),
        local_cache_ttl: HumanDuration(Duration::ZERO),
    };
    let app = shop_products::App::build(config)
        .await
        .expect("products starts");
    let addr = app.local_addr();
    (
        addr,
        Running::spawn(|stop| async move { app.run(stop).await.expect("products runs") }),
    )
}

async fn start_orders(kafka: &KafkaConfig, products_url: &str) -> (SocketAddr, Running) {
    let db = postgres::database(&shop_orders::store::MIGRATOR).await;
    let config = shop_orders::Config {
        server: server(ServiceKind::Orders),
        database_url: db.url.parse().expect("a URL"),
        products_url: products_url.parse().expect("a URL"),
        kafka: kafka.clone(),
        retention: shop_orders::config::Retention::DEFAULT,
    };
    let app = shop_orders::App::build(config)
        .await
        .expect("orders starts");
    let addr = app.local_addr();
    (
        addr,
        Running::spawn(|stop| async move { app.run(stop).await.expect("orders runs") }),
    )
}

async fn start_shipping(kafka: &KafkaConfig) -> Running {
    let config = shop_shipping::Config {
        server: server(ServiceKind::Shipping),
        kafka: kafka.clone(),
    };
    let app = shop_shipping::App::build(config)
        .await
        .expect("shipping starts");
    Running::spawn(|stop| async move { app.run(stop).await.expect("shipping runs") })
}

async fn start_notification(kafka: &KafkaConfig, mail: LogTransport) -> Running {
    let config = shop_notification::Config {
        server: server(ServiceKind::Notification),
        kafka: kafka.clone(),
        smtp_url: None,
        mail_from: "rustshop <no-reply@rustshop.local>".into(),
    };
    let app = shop_notification::App::with_transport(config, Transport::Log(mail))
        .await
        .expect("notification starts");
    Running::spawn(|stop| async move { app.run(stop).await.expect("notification runs") })
}
