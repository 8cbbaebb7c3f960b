//! The servers the faults hit, private to this test (so crashing them disturbs no
//! other test), and the platform's settings pointing at them.

use shop_testkit::broker::PrivateBroker;
use shop_testkit::postgres::empty_database;
use shop_testkit::postgres_server::PrivatePostgres;
use shop_testkit::redis_server::PrivateRedis;
use sqlx::PgPool;

/// The broker, Redis, and orders' PostgreSQL of this test alone.
pub struct PrivateInfra {
    pub broker: PrivateBroker,
    pub redis: PrivateRedis,
    pub orders_postgres: PrivatePostgres,
}

impl PrivateInfra {
    pub async fn start() -> Self {
        Self {
            broker: PrivateBroker::start().await,
            redis: PrivateRedis::start().await,
            orders_postgres: PrivatePostgres::start().await,
        }
    }
}

/// The platform's settings for this test, and its data where the checks read it.
pub struct FaultsPlatform {
    pub env: Vec<(String, String)>,
    pub products_url: String,
    pub orders_url: String,
    pub topic_prefix: String,
}

impl FaultsPlatform {
    /// Kafka, Redis and orders' database on `infra`; users', products' and the cart's
    /// data fresh on the shared servers (no fault touches those).
    pub async fn new(infra: &PrivateInfra) -> Self {
        let users = fresh_database().await;
        let products = fresh_database().await;
        let orders_url = infra.orders_postgres.url();
        let name = shop_testkit::unique_name("faults");
        let topic_prefix = format!("{name}.");
        let env = [
            ("KAFKA_BROKERS", infra.broker.address()),
            ("KAFKA_TOPIC_PREFIX", topic_prefix.clone()),
            ("REDIS_URL", infra.redis.url()),
            ("REDIS_KEY_PREFIX", format!("{name}:products:")),
            ("ORDERS_DATABASE_URL", orders_url.clone()),
            ("USERS_DATABASE_URL", users),
            ("PRODUCTS_DATABASE_URL", products.clone()),
            ("MONGODB_DATABASE", name),
        ]
        .into_iter()
        .map(|(variable, value)| (variable.to_owned(), value))
        .collect();
        Self {
            env,
            products_url: products,
            orders_url,
            topic_prefix,
        }
    }
}

async fn fresh_database() -> String {
    let database = empty_database().await;
    database.pool.close().await;
    database.url
}

/// A small pool for the checks' queries.
pub async fn pool(url: &str) -> PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect(url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {url}: {error}"))
}
