//! PostgreSQL access of the orders service.
//!
//! - [`orders`]: orders and their items.
//! - [`outbox`]: events written in the same transaction as the change they describe.
//! - [`processed`]: ids of applied events, for idempotent consumers.

pub mod orders;
pub mod outbox;
pub mod processed;

use sqlx::migrate::Migrator;

/// The orders database schema.
pub static MIGRATOR: Migrator = sqlx::migrate!();

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error")]
    Database(#[from] sqlx::Error),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}
