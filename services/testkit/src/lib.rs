//! Test harness for rustshop: every test gets state of its own on the REAL test servers
//! that `scripts/infra.sh start` runs on loopback, so tests run in parallel without
//! seeing each other's data.
//!
//! - [`postgres::database`]: a fresh PostgreSQL database, migrated.
//! - [`redis::redis`]: a Redis connection and a key prefix of its own.
//! - [`mongo::mongo`]: a MongoDB database name of its own.
//! - [`kafka::kafka`]: a topic prefix and consumer group names of its own.
//! - [`broker::PrivateBroker`], [`redis_server::PrivateRedis`],
//!   [`postgres_server::PrivatePostgres`]: servers of the test's own, to stop and restart.
//! - [`kafka::group_lag`]: how far a consumer group is behind its topics.
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
pub mod postgres_server;
pub mod redis;
pub mod redis_server;

mod wait;

pub use wait::eventually;

/// A short unique suffix for names of databases, prefixes, topics and groups.
pub fn unique_name(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}_{}", &id[..16])
}

/// Databases of tests older than this are dropped by later test runs: test servers
/// live for days on a developer's machine, and every test makes a database.
const STALE_AFTER_SECS: u64 = 2 * 3600;

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A database name that records when it was made: `test_<unix seconds>_<random>`.
fn dated_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("test_{}_{}", now_secs(), &id[..12])
}

/// Whether `name` is a dated test database old enough to drop.
fn is_stale(name: &str) -> bool {
    name.strip_prefix("test_")
        .and_then(|rest| rest.split('_').next())
        .and_then(|secs| secs.parse::<u64>().ok())
        .is_some_and(|made| now_secs().saturating_sub(made) > STALE_AFTER_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_old_dated_test_databases_are_stale() {
        let old = format!("test_{}_abc", now_secs() - STALE_AFTER_SECS - 60);
        assert!(is_stale(&old));
        assert!(!is_stale(&dated_name()));
        assert!(!is_stale("users"));
        assert!(
            !is_stale("test_5a38eb7d90544ae7"),
            "undated names are left alone"
        );
    }
}
