//! A Redis connection and a key prefix per test.

use redis::aio::ConnectionManager;

use crate::infra::{Infra, host_port, not_running, require_listening};

/// Redis for one test: every key it writes starts with `prefix`.
pub struct TestRedis {
    pub url: String,
    /// `test_<id>:`: configure the service under test with it.
    pub prefix: String,
    pub connection: ConnectionManager,
}

impl TestRedis {
    /// `key` under this test's prefix.
    pub fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

pub async fn redis() -> TestRedis {
    let url = Infra::get().redis_url.clone();
    require_listening("Redis", &host_port(&url)).await;
    let client = redis::Client::open(url.as_str())
        .unwrap_or_else(|error| panic!("REDIS_URL {url} is invalid: {error}"));
    let connection = match ConnectionManager::new(client).await {
        Ok(connection) => connection,
        Err(error) => not_running("Redis", &url, &error),
    };
    TestRedis {
        url,
        prefix: format!("{}:", crate::unique_name("test")),
        connection,
    }
}
