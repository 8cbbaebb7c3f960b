//! PostgreSQL pools: created once per service, connected with bounded retries so a
//! service started just before its database waits for it instead of crash-looping,
//! and migrated with the service's own `sqlx` migrations. [`admin`]: creating and
//! dropping databases.

pub mod admin;

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::backoff::Backoff;
use crate::config::PostgresUrl;

#[derive(Debug, thiserror::Error)]
pub enum PostgresError {
    #[error("cannot connect to PostgreSQL at {url:?} after {attempts} attempts")]
    Connect {
        url: PostgresUrl,
        attempts: u32,
        #[source]
        source: sqlx::Error,
    },
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// A pooled connection idle this long is pinged before it is handed out, since the
/// server may have gone away meanwhile; a busier one is not.
///
/// sqlx pings a connection (a round trip) when it comes back to the pool, which
/// closes a broken one, and by default again before every use. With one or two
/// statements per use, that second ping was a third of the round trips of the
/// order flow, and 10 % of the orders service's CPU in a `buy` profile.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    pub max_connections: u32,
    /// How long a request may wait for a free connection.
    pub acquire_timeout: Duration,
    /// How many times to try connecting at start.
    pub connect_attempts: u32,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_connections: 20,
            acquire_timeout: Duration::from_secs(5),
            connect_attempts: 10,
        }
    }
}

/// Connects (retrying with backoff) and runs `migrator`'s pending migrations.
pub async fn connect_and_migrate(
    url: &PostgresUrl,
    options: PoolOptions,
    migrator: &Migrator,
) -> Result<PgPool, PostgresError> {
    let pool = connect(url, options).await?;
    migrator.run(&pool).await?;
    Ok(pool)
}

/// Connects, retrying with backoff up to `options.connect_attempts` times.
pub async fn connect(url: &PostgresUrl, options: PoolOptions) -> Result<PgPool, PostgresError> {
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = match connect_options(url) {
            Ok(connect) => {
                PgPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .test_before_acquire(false)
                    .before_acquire(|connection, meta| {
                        Box::pin(async move {
                            if meta.idle_for >= PING_IF_IDLE_FOR {
                                connection.ping().await?;
                            }
                            Ok(true)
                        })
                    })
                    .connect_with(connect)
                    .await
            }
            Err(error) => Err(error),
        };
        match result {
            Ok(pool) => return Ok(pool),
            Err(source) if attempt >= options.connect_attempts => {
                return Err(PostgresError::Connect {
                    url: url.clone(),
                    attempts: attempt,
                    source,
                });
            }
            Err(error) => {
                tracing::warn!(%error, attempt, "PostgreSQL not reachable yet, retrying");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

/// Connection settings of `url`; PostgreSQL's NOTICEs (a migration table that already
/// exists, a search of stop words only) stay out of the service's log.
fn connect_options(url: &PostgresUrl) -> Result<PgConnectOptions, sqlx::Error> {
    Ok(PgConnectOptions::from_str(url.as_str())?.options([("client_min_messages", "warning")]))
}

/// The name of the constraint a database error violated, if any: services map
/// constraint names (not message texts) to domain errors.
pub fn violated_constraint(error: &sqlx::Error) -> Option<&str> {
    match error {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}
