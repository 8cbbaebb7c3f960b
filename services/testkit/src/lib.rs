//! Test harness for rustshop: every test gets state of its own on the REAL test servers
//! that `scripts/infra.sh start` runs on loopback, so tests run in parallel without
//! seeing each other's data.
//!
//! - [`postgres::database`]: a fresh PostgreSQL database, migrated.
//! - [`redis::redis`]: a Redis connection and a key prefix of its own.
//! - [`mongo::mongo`]: a MongoDB database name of its own.
//! - [`kafka::kafka`]: a topic prefix and consumer group names of its own.
//! - [`broker::PrivateBroker`]: a broker of the test's own, to stop and restart.
//! - [`eventually`]: poll for an effect with a deadline instead of sleeping.
//!
//! Servers are found through the same variables the services read (`REDIS_URL`, ...),
//! defaulting to the ports `scripts/infra.sh` uses. A server that is not up fails the
//! test with a message saying how to start it.

pub mod broker;
pub mod infra;
pub mod kafka;
pub mod mongo;
pub mod postgres;
pub mod redis;

mod wait;

pub use wait::eventually;

/// A short unique suffix for names of databases, prefixes, topics and groups.
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..16])
}
