//! Starts the products service in-process, on a database and Redis prefix of its own,
//! and talks to it through the generated gRPC client.

#![allow(dead_code)] // each test file uses part of this module

use std::net::SocketAddr;
use std::time::Duration;

use redis::AsyncCommands;
use shop_common::config::HumanDuration;
use shop_common::postgres::PoolOptions;
use shop_common::service::{ServerConfig, ServiceKind};
use shop_products::{App, Config, MIGRATOR};
use shop_proto::common::v1 as common;
use shop_proto::products::v1 as pb;
use shop_proto::products::v1::products_service_client::ProductsServiceClient;
use shop_testkit::postgres::TestDatabase;
use shop_testkit::redis::TestRedis;
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::transport::Channel;
use tonic_types::StatusExt;
use uuid::Uuid;

pub type Client = ProductsServiceClient<Channel>;

/// A running products service and the state it uses.
pub struct TestService {
    pub client: Client,
    pub addr: SocketAddr,
    pub db: TestDatabase,
    /// The test's Redis connection and prefix (the service uses the same prefix).
    pub redis: TestRedis,
    _stop: DropGuard,
}

/// The service with a working cache.
pub async fn start() -> TestService {
    let redis = shop_testkit::redis::redis().await;
    let url = redis.url.clone();
    start_with_redis(redis, &url).await
}

/// The service with its cache at `redis_url` (which may be dead), keys under the
/// prefix of `redis`.
pub async fn start_with_redis(redis: TestRedis, redis_url: &str) -> TestService {
    let db = shop_testkit::postgres::database(&MIGRATOR).await;
    let config = Config {
        server: ServerConfig {
            service: ServiceKind::Products,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        },
        database_url: db.url.parse().expect("testkit gives a PostgreSQL URL"),
        pool: PoolOptions {
            // The machine is shared and loaded: waiting is fine, failing is not.
            acquire_timeout: Duration::from_secs(60),
            ..PoolOptions::default()
        },
        redis_url: redis_url.parse().expect("a Redis URL"),
        redis_key_prefix: redis.prefix.clone(),
        cache_ttl: HumanDuration(Duration::from_secs(300)),
        // Generous, so a slow moment of a loaded machine is not taken for a dead Redis.
        cache_timeout: HumanDuration(Duration::from_secs(2)),
        local_cache_ttl: HumanDuration(Duration::from_secs(1)),
    };
    let app = App::build(config).await.expect("the service starts");
    let addr = app.local_addr();
    let stop = CancellationToken::new();
    tokio::spawn(app.run(stop.clone()));
    let client = ProductsServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("the service accepts connections");
    TestService {
        client,
        addr,
        db,
        redis,
        _stop: stop.drop_guard(),
    }
}

impl TestService {
    /// Creates a product as an admin.
    pub async fn create(
        &self,
        name: &str,
        description: &str,
        cents: i64,
        stock: i32,
    ) -> pb::Product {
        self.client
            .clone()
            .create_product(create_request(name, description, cents, stock, admin()))
            .await
            .expect("the product is created")
            .into_inner()
    }

    pub async fn get(&self, id: &str) -> Result<pb::Product, tonic::Status> {
        let request = pb::GetProductRequest { id: id.to_owned() };
        Ok(self.client.clone().get_product(request).await?.into_inner())
    }

    /// Current stock, read from PostgreSQL directly.
    pub async fn stock_in_db(&self, id: &str) -> i32 {
        let id: Uuid = id.parse().expect("a product id");
        sqlx::query_scalar("SELECT stock FROM products WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db.pool)
            .await
            .expect("the product exists")
    }

    /// The raw cache entry of a product, if any.
    pub async fn cached_product(&self, id: &str) -> Option<String> {
        let key = self.redis.key(&format!("product:{id}"));
        let mut redis = self.redis.connection.clone();
        redis.get(key).await.expect("Redis answers")
    }

    /// The listing generation in Redis (0 when never bumped).
    pub async fn list_generation(&self) -> u64 {
        let mut redis = self.redis.connection.clone();
        let generation: Option<u64> = redis
            .get(self.redis.key("list:gen"))
            .await
            .expect("Redis answers");
        generation.unwrap_or(0)
    }

    pub async fn reserve(&self, order_id: &str, items: &[(&str, i32)]) -> pb::ReserveStockResponse {
        self.client
            .clone()
            .reserve_stock(reserve_request(order_id, items))
            .await
            .expect("ReserveStock answers")
            .into_inner()
    }
}

pub fn create_request(
    name: &str,
    description: &str,
    cents: i64,
    stock: i32,
    actor: common::Actor,
) -> pb::CreateProductRequest {
    pb::CreateProductRequest {
        name: name.to_owned(),
        description: Some(description.to_owned()),
        price: Some(common::Money { cents }),
        stock,
        images: Vec::new(),
        actor: Some(actor),
    }
}

pub fn reserve_request(order_id: &str, items: &[(&str, i32)]) -> pb::ReserveStockRequest {
    pb::ReserveStockRequest {
        order_id: order_id.to_owned(),
        items: items
            .iter()
            .map(|(product_id, quantity)| pb::StockItem {
                product_id: (*product_id).to_owned(),
                quantity: *quantity,
            })
            .collect(),
    }
}

pub fn actor(role: common::Role) -> common::Actor {
    common::Actor {
        user_id: Uuid::now_v7().to_string(),
        role: role.into(),
    }
}

pub fn admin() -> common::Actor {
    actor(common::Role::Admin)
}

pub fn seller() -> common::Actor {
    actor(common::Role::Seller)
}

pub fn new_id() -> String {
    Uuid::now_v7().to_string()
}

/// The fields named by an InvalidArgument status.
pub fn invalid_fields(status: &tonic::Status) -> Vec<String> {
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_error_details()
        .bad_request()
        .map(|bad| {
            bad.field_violations
                .iter()
                .map(|v| v.field.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// Names of a page of products, in order.
pub fn names(response: &pb::ListProductsResponse) -> Vec<&str> {
    response.products.iter().map(|p| p.name.as_str()).collect()
}

/// The sum of a counter over its labels, from this process's metrics recorder.
pub fn counter(name: &str) -> f64 {
    shop_common::telemetry::metrics()
        .render()
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}
