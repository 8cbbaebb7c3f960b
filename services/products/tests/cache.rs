//! The Redis cache: reads are served from it, writes invalidate it, and the service
//! keeps working without it.

mod support;

use std::process::Stdio;
use std::time::Duration;

use redis::AsyncCommands;
use shop_proto::products::v1 as pb;
use support::{TestService, admin, counter, new_id};
use tokio::process::{Child, Command};
use tonic::Code;

/// Changes a product in PostgreSQL behind the service's back: a read that still shows
/// the old name was served from the cache.
async fn rename_in_db(service: &TestService, id: &str, name: &str) {
    let id: uuid::Uuid = id.parse().unwrap();
    sqlx::query("UPDATE products SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&service.db.pool)
        .await
        .unwrap();
}

async fn list_names(service: &TestService) -> Vec<String> {
    let response = service
        .client
        .clone()
        .list_products(pb::ListProductsRequest::default())
        .await
        .unwrap()
        .into_inner();
    response.products.into_iter().map(|p| p.name).collect()
}

async fn rename(service: &TestService, id: &str, name: &str) -> pb::Product {
    let request = pb::UpdateProductRequest {
        id: id.to_owned(),
        name: Some(name.to_owned()),
        actor: Some(admin()),
        ..Default::default()
    };
    service
        .client
        .clone()
        .update_product(request)
        .await
        .unwrap()
        .into_inner()
}

#[tokio::test]
async fn a_product_is_served_from_redis_after_the_first_read() {
    let service = support::start().await;
    let product = service.create("Vase", "Blue glass", 1500, 2).await;
    assert_eq!(service.cached_product(&product.id).await, None);

    service.get(&product.id).await.unwrap();
    let cached = service
        .cached_product(&product.id)
        .await
        .expect("cached after a read");
    assert!(cached.contains("Blue glass"), "{cached}");

    rename_in_db(&service, &product.id, "Renamed behind the cache").await;
    assert_eq!(service.get(&product.id).await.unwrap().name, "Vase");
}

#[tokio::test]
async fn cached_entries_expire_with_the_configured_ttl() {
    let service = support::start().await;
    let product = service.create("Clock", "", 2500, 1).await;
    service.get(&product.id).await.unwrap();

    let key = service.redis.key(&format!("product:{}", product.id));
    let ttl_ms: i64 = service.redis.connection.clone().pttl(key).await.unwrap();

    // The tests configure 300s; an entry without expiry would answer -1.
    assert!(ttl_ms > 0 && ttl_ms <= 300_000, "{ttl_ms}");
}

#[tokio::test]
async fn list_pages_are_cached_until_a_write_changes_listings() {
    let service = support::start().await;
    let first = service.create("First", "", 100, 1).await;
    assert_eq!(list_names(&service).await, ["First"]);

    rename_in_db(&service, &first.id, "Renamed behind the cache").await;
    assert_eq!(list_names(&service).await, ["First"]);

    let generation = service.list_generation().await;
    service.create("Second", "", 200, 1).await;
    assert_eq!(service.list_generation().await, generation + 1);
    assert_eq!(
        list_names(&service).await,
        ["Second", "Renamed behind the cache"]
    );
}

#[tokio::test]
async fn update_invalidates_the_product_and_the_pages() {
    let service = support::start().await;
    let product = service.create("Old name", "", 100, 1).await;
    service.get(&product.id).await.unwrap();
    assert_eq!(list_names(&service).await, ["Old name"]);
    assert!(service.cached_product(&product.id).await.is_some());

    rename(&service, &product.id, "New name").await;

    assert_eq!(service.cached_product(&product.id).await, None);
    assert_eq!(service.get(&product.id).await.unwrap().name, "New name");
    assert_eq!(list_names(&service).await, ["New name"]);
}

#[tokio::test]
async fn delete_invalidates_the_product_and_the_pages() {
    let service = support::start().await;
    let product = service.create("Doomed", "", 100, 1).await;
    service.get(&product.id).await.unwrap();
    assert_eq!(list_names(&service).await, ["Doomed"]);

    let delete = pb::DeleteProductRequest {
        id: product.id.clone(),
        actor: Some(admin()),
    };
    service.client.clone().delete_product(delete).await.unwrap();

    assert_eq!(service.cached_product(&product.id).await, None);
    assert_eq!(
        service.get(&product.id).await.unwrap_err().code(),
        Code::NotFound
    );
    assert!(list_names(&service).await.is_empty());
}

#[tokio::test]
async fn reservations_and_releases_invalidate_the_stock_shown() {
    let service = support::start().await;
    let product = service.create("Chair", "", 4000, 5).await;
    assert_eq!(service.get(&product.id).await.unwrap().stock, 5);

    let order = new_id();
    assert!(service.reserve(&order, &[(&product.id, 2)]).await.reserved);
    assert_eq!(service.cached_product(&product.id).await, None);
    assert_eq!(service.get(&product.id).await.unwrap().stock, 3);

    let release = pb::ReleaseStockRequest { order_id: order };
    service.client.clone().release_stock(release).await.unwrap();
    assert_eq!(service.cached_product(&product.id).await, None);
    assert_eq!(service.get(&product.id).await.unwrap().stock, 5);
}

/// Every RPC answers correctly while nothing listens at the Redis address, and the
/// failures are counted.
#[tokio::test]
async fn the_service_starts_and_serves_while_redis_is_unreachable() {
    let redis = shop_testkit::redis::redis().await;
    let service = support::start_with_redis(redis, "redis://127.0.0.1:1").await;
    let errors_before = counter("products_cache_errors_total");

    let product = service.create("Lamp", "Warm light", 2500, 3).await;
    assert_eq!(service.get(&product.id).await.unwrap(), product);
    assert_eq!(service.get(&product.id).await.unwrap(), product);
    assert_eq!(list_names(&service).await, ["Lamp"]);
    let search = pb::SearchProductsRequest {
        query: "warm".into(),
        ..Default::default()
    };
    let found = service
        .client
        .clone()
        .search_products(search)
        .await
        .unwrap();
    assert_eq!(found.into_inner().products.len(), 1);
    assert!(
        service
            .reserve(&new_id(), &[(&product.id, 1)])
            .await
            .reserved
    );
    assert_eq!(rename(&service, &product.id, "Desk lamp").await.stock, 2);
    assert_eq!(service.get(&product.id).await.unwrap().name, "Desk lamp");

    assert!(counter("products_cache_errors_total") > errors_before);
}

/// A Redis server of this test's own, so stopping it disturbs no other test.
struct OwnRedis {
    port: u16,
    process: Child,
}

impl OwnRedis {
    async fn start_on(port: u16) -> Self {
        let process = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir", "/tmp"])
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("redis-server is installed (scripts/infra.sh install)");
        let redis = Self { port, process };
        shop_testkit::eventually("redis-server to answer", Duration::from_secs(10), || {
            redis.connection()
        })
        .await;
        redis
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn connection(&self) -> Option<redis::aio::MultiplexedConnection> {
        let client = redis::Client::open(self.url()).ok()?;
        let mut connection = client.get_multiplexed_async_connection().await.ok()?;
        let _: String = redis::cmd("PING").query_async(&mut connection).await.ok()?;
        Some(connection)
    }

    async fn stop(mut self) {
        self.process.kill().await.expect("redis-server stops");
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn the_service_keeps_serving_when_redis_stops_and_uses_it_again_when_back() {
    let port = free_port();
    let own = OwnRedis::start_on(port).await;
    let redis = shop_testkit::redis::redis().await;
    let prefix = redis.prefix.clone();
    let service = support::start_with_redis(redis, &own.url()).await;
    let product = service.create("Teapot", "", 2000, 4).await;
    service.get(&product.id).await.unwrap();
    let key = format!("{prefix}product:{}", product.id);
    let cached: Option<String> = own.connection().await.unwrap().get(&key).await.unwrap();
    assert!(cached.is_some(), "cached while Redis runs");

    own.stop().await;
    assert_eq!(service.get(&product.id).await.unwrap().name, "Teapot");
    assert_eq!(rename(&service, &product.id, "Kettle").await.name, "Kettle");
    assert_eq!(service.get(&product.id).await.unwrap().name, "Kettle");
    assert_eq!(list_names(&service).await, ["Kettle"]);

    let own = OwnRedis::start_on(port).await;
    let connection = own.connection().await.unwrap();
    let (service, id) = (&service, &product.id);
    shop_testkit::eventually(
        "the cache to be filled again",
        Duration::from_secs(10),
        || {
            let (key, mut connection) = (&key, connection.clone());
            async move {
                service.get(id).await.ok()?;
                let cached: Option<String> = connection.get(key).await.ok()?;
                cached.filter(|value| value.contains("Kettle"))
            }
        },
    )
    .await;
    own.stop().await;
}
