//! PostgreSQL access of the orders service.
//!
//! - [`orders`]: orders and their items, and the ids of applied events
//!   (`processed_events`, recorded with the change an event makes), which make the
//!   consumers idempotent: a redelivered event is recognised and changes nothing.
//! - [`outbox`]: events written in the same transaction as the change they describe.
//! - [`retention`]: deleting sent outbox rows and processed event ids once old enough.

pub mod orders;
pub mod outbox;
pub mod retention;

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
