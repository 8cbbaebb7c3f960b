//! MongoDB access: the connection, the carts collection's indexes, and the carts.

mod carts;
mod document;
pub(crate) mod indexes;
mod known;

pub use carts::CartStore;

use std::future::IntoFuture;
use std::time::Duration;

use mongodb::bson::doc;
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::ClientOptions;
use mongodb::{Client, Database};
use shop_common::backoff::Backoff;
use shop_common::config::MongoUri;

use crate::error::{ConnectError, StoreError};

/// The collection holding one document per user.
pub const CARTS: &str = "carts";

/// Longest a single database operation may take before the call fails.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an operation waits for a reachable server.
const SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(5);

/// How many times to try reaching the server at start.
const CONNECT_ATTEMPTS: u32 = 10;

/// MongoDB's code for a duplicate key in a unique index.
pub(crate) const DUPLICATE_KEY: i32 = 11000;

/// Connects to `database` on the server `uri` names, waiting (with backoff, a bounded
/// number of times) for the server to answer, so a service started just before its
/// database waits for it instead of crash-looping.
pub async fn connect(uri: &MongoUri, database: &str) -> Result<Database, ConnectError> {
    let options_error = |source| ConnectError::Options {
        uri: uri.clone(),
        source,
    };
    let mut options = ClientOptions::parse(uri.as_str())
        .await
        .map_err(options_error)?;
    options
        .app_name
        .get_or_insert_with(|| "shop-cart".to_owned());
    options
        .server_selection_timeout
        .get_or_insert(SERVER_SELECTION_TIMEOUT);
    let database = Client::with_options(options)
        .map_err(options_error)?
        .database(database);

    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(5));
    let mut attempt = 0;
    loop {
        attempt += 1;
        match bounded(database.run_command(doc! { "ping": 1 })).await {
            Ok(_) => return Ok(database),
            Err(source) if attempt >= CONNECT_ATTEMPTS => {
                return Err(ConnectError::Unreachable {
                    uri: uri.clone(),
                    attempts: attempt,
                    source,
                });
            }
            Err(error) => {
                tracing::warn!(%error, attempt, "MongoDB not reachable yet, retrying");
                tokio::time::sleep(backoff.next_delay()).await;
            }
        }
    }
}

/// Runs one database operation with [`OPERATION_TIMEOUT`].
pub(crate) async fn bounded<T>(
    operation: impl IntoFuture<Output = mongodb::error::Result<T>>,
) -> Result<T, StoreError> {
    match tokio::time::timeout(OPERATION_TIMEOUT, operation).await {
        Ok(result) => result.map_err(StoreError::from),
        Err(_) => Err(StoreError::Timeout(OPERATION_TIMEOUT)),
    }
}

/// The server's error code, for commands and single-document writes.
pub(crate) fn error_code(error: &mongodb::error::Error) -> Option<i32> {
    match error.kind.as_ref() {
        ErrorKind::Command(command) => Some(command.code),
        ErrorKind::Write(WriteFailure::WriteError(write)) => Some(write.code),
        _ => None,
    }
}
