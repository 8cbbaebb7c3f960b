//! Starting the real services in-process, each on port 0 with resources of its own
//! (a fresh database, Redis prefix, Mongo database or Kafka topic prefix).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use shop_auth::bootstrap::BootstrapStatus;
use shop_auth::keys::KeySource;
use shop_auth::throttle::ThrottlePolicy;
use shop_common::config::HumanDuration;
use shop_common::events::KafkaConfig;
use shop_common::password::Argon2Config;
use shop_common::service::{ServerConfig, ServiceKind};
use shop_testkit::{kafka, mongo, postgres, redis};
use tokio_util::sync::{CancellationToken, DropGuard};

pub const ADMIN_EMAIL: &str = "root@rustshop.test";
pub const ADMIN_PASSWORD: &str = "Rustshop-admin-1";

pub fn server(service: ServiceKind) -> ServerConfig {
    let any = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    ServerConfig {
        service,
        addr: any,
        metrics_addr: any,
    }
}

pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The address of a port nobody listens on: an upstream that is down.
pub fn dead_url() -> String {
    let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
    let addr = listener.local_addr().expect("its address");
    drop(listener);
    url(addr)
}

/// Stops the services it holds when dropped (the test ends).
#[derive(Default)]
pub struct Services {
    guards: Vec<DropGuard>,
}

impl Services {
    fn spawn<F, E>(&mut self, run: impl FnOnce(CancellationToken) -> F)
    where
        F: std::future::Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display,
    {
        let stop = CancellationToken::new();
        let future = run(stop.clone());
        tokio::spawn(async move {
            if let Err(error) = future.await {
                panic!("a service under test failed: {error}");
            }
        });
        self.guards.push(stop.drop_guard());
    }

    pub async fn users(&mut self) -> String {
        let db = postgres::database(&shop_users::MIGRATOR).await;
        let config = shop_users::Config {
            server: server(ServiceKind::Users),
            database_url: db.url.parse().expect("a database URL"),
            argon2: Argon2Config::FOR_TESTS,
        };
        let app = shop_users::App::build(config).await.expect("users starts");
        let addr = app.local_addr();
        self.spawn(|stop| async move {
            let _db = db;
            app.run(stop).await
        });
        url(addr)
    }

    /// auth signing with `private_pem`, its bootstrap SUPER_ADMIN created.
    pub async fn auth(
        &mut self,
        users_url: &str,
        private_pem: &str,
        throttle: ThrottlePolicy,
    ) -> String {
        let config = shop_auth::Config {
            server: server(ServiceKind::Auth),
            users_url: users_url.parse().expect("a URL"),
            token_ttl: HumanDuration(Duration::from_secs(3600)),
            admin_email: ADMIN_EMAIL.into(),
            admin_password: ADMIN_PASSWORD.parse().expect("a secret"),
            keys: KeySource::Pem {
                private: private_pem.parse().expect("a secret"),
                public: None,
            },
            throttle,
            argon2: Argon2Config::FOR_TESTS,
        };
        let app = shop_auth::App::build(config).await.expect("auth starts");
        let addr = app.local_addr();
        let mut bootstrap = app.bootstrap_status();
        self.spawn(|stop| app.run(stop));
        let done = bootstrap.wait_for(|status| *status != BootstrapStatus::Pending);
        tokio::time::timeout(Duration::from_secs(60), done)
            .await
            .expect("the bootstrap admin is created")
            .expect("auth runs");
        url(addr)
    }

    pub async fn products(&mut self) -> String {
        let db = postgres::database(&shop_products::MIGRATOR).await;
        let cache = redis::redis().await;
        let config = shop_products::Config {
            server: server(ServiceKind::Products),
            database_url: db.url.parse().expect("a URL"),
            pool: shop_common::postgres::PoolOptions::default(),
            redis_url: cache.url.parse().expect("a URL"),
            redis_key_prefix: cache.prefix.clone(),
            cache_ttl: HumanDuration(Duration::from_secs(60)),
            cache_timeout: HumanDuration(Duration::from_millis(500)),
            local_cache_ttl: HumanDuration(Duration::from_secs(1)),
        };
        let app = shop_products::App::build(config)
            .await
            .expect("products starts");
        let addr = app.local_addr();
        self.spawn(|stop| async move {
            let _resources = (db, cache);
            app.run(stop).await
        });
        url(addr)
    }

    pub async fn cart(&mut self) -> String {
        let mongo = mongo::mongo().await;
        let config = shop_cart::Config {
            server: server(ServiceKind::Cart),
            mongodb_uri: mongo.uri.parse().expect("a mongodb URL"),
            mongodb_database: mongo.database.clone(),
            cart_ttl: "30d".parse().expect("a duration"),
        };
        let app = shop_cart::App::build(config).await.expect("cart starts");
        let addr = app.local_addr();
        self.spawn(|stop| async move {
            let _mongo = mongo;
            app.run(stop).await
        });
        url(addr)
    }

    /// orders and, when `stock` is set, the stock service that confirms orders.
    pub async fn orders(&mut self, products_url: &str, stock: bool) -> String {
        let kafka = kafka::kafka().await;
        let config = shop_orders::Config {
            server: server(ServiceKind::Orders),
            database_url: postgres::database(&shop_orders::store::MIGRATOR)
                .await
                .url
                .parse()
                .expect("a URL"),
            products_url: products_url.parse().expect("a URL"),
            kafka: kafka_config(&kafka, "orders"),
            retention: shop_orders::config::Retention::DEFAULT,
        };
        let app = shop_orders::App::build(config)
            .await
            .expect("orders starts");
        let addr = app.local_addr();
        self.spawn(|stop| app.run(stop));
        if stock {
            let config = shop_stock::Config {
                server: server(ServiceKind::Stock),
                products_url: products_url.parse().expect("a URL"),
                kafka: kafka_config(&kafka, "stock"),
            };
            let app = shop_stock::App::build(config).await.expect("stock starts");
            self.spawn(|stop| app.run(stop));
        }
        url(addr)
    }

    pub fn gateway(&mut self, app: shop_gateway::App) {
        self.spawn(|stop| app.run(stop));
    }
}

fn kafka_config(kafka: &kafka::TestKafka, client: &str) -> KafkaConfig {
    kafka.config(client)
}
