//! The carts collection's indexes: one cart per user, and carts removed after the
//! configured time without a change.

use std::time::Duration;

use futures::TryStreamExt;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, IndexModel};

use super::document::{UPDATED_AT, USER_ID};
use super::{bounded, error_code};
use crate::error::StoreError;

/// MongoDB's code for dropping an index that is not there (another replica of the
/// service dropped it first).
const INDEX_NOT_FOUND: i32 = 27;

/// Creates the unique `userId` index and the TTL index on `updatedAt` with `ttl`
/// (whole seconds). A TTL index with another expiry is replaced: dropped and created
/// again, since the MongoDB-protocol test server acknowledges `collMod` without
/// applying it.
pub(crate) async fn ensure(carts: &Collection<Document>, ttl: Duration) -> Result<(), StoreError> {
    let unique_user = IndexModel::builder()
        .keys(doc! { USER_ID: 1 })
        .options(IndexOptions::builder().unique(true).build())
        .build();
    bounded(carts.create_index(unique_user)).await?;

    let ttl = Duration::from_secs(ttl.as_secs());
    if let Some(existing) = expiry_index(carts).await? {
        let options = existing.options.unwrap_or_default();
        if options.expire_after == Some(ttl) {
            return Ok(());
        }
        if let Some(name) = options.name {
            tracing::info!(index = %name, ?ttl, "replacing the cart expiry index");
            drop_index(carts, &name).await?;
        }
    }
    let expiry = IndexModel::builder()
        .keys(doc! { UPDATED_AT: 1 })
        .options(IndexOptions::builder().expire_after(ttl).build())
        .build();
    bounded(carts.create_index(expiry)).await?;
    Ok(())
}

/// The index on `updatedAt` alone, found by its key (index names differ between
/// servers).
pub(crate) async fn expiry_index(
    carts: &Collection<Document>,
) -> Result<Option<IndexModel>, StoreError> {
    let indexes: Vec<IndexModel> =
        bounded(async { carts.list_indexes().await?.try_collect().await }).await?;
    Ok(indexes
        .into_iter()
        .find(|index| index.keys.len() == 1 && index.keys.contains_key(UPDATED_AT)))
}

async fn drop_index(carts: &Collection<Document>, name: &str) -> Result<(), StoreError> {
    match bounded(carts.drop_index(name)).await {
        Err(StoreError::Mongo(error)) if error_code(&error) == Some(INDEX_NOT_FOUND) => Ok(()),
        other => other,
    }
}
