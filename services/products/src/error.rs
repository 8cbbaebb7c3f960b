//! Errors of the products service, and their one mapping to a gRPC status.

use shop_common::error::{FieldViolation, ServiceError};
use shop_common::postgres::{PostgresError, violated_constraint};
use shop_common::server::ServerError;

use crate::domain::permissions::Denied;
use crate::domain::product::ProductId;

/// A failed database call.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a stored row is not valid: {0}")]
    Corrupt(String),
}

/// Why a catalog operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("product {0} not found")]
    NotFound(ProductId),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Postgres(#[from] PostgresError),
    #[error("REDIS_URL cannot be used")]
    Redis(#[source] redis::RedisError),
    #[error(transparent)]
    Server(#[from] ServerError),
}

impl From<CatalogError> for ServiceError {
    fn from(error: CatalogError) -> Self {
        match error {
            CatalogError::NotFound(id) => ServiceError::NotFound(format!("product {id} not found")),
            CatalogError::Denied(denied) => ServiceError::PermissionDenied(denied.to_string()),
            CatalogError::Store(store) => store.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> Self {
        let StoreError::Database(db) = &error else {
            return ServiceError::internal(error);
        };
        // The domain validates first, so these only fire if a rule and the schema
        // disagree; the caller still gets a useful answer.
        let violation = match violated_constraint(db) {
            Some("products_name_not_blank") => Some(("name", "is required")),
            Some("products_price_non_negative") => Some(("price", "must not be negative")),
            Some("products_stock_non_negative") => Some(("stock", "must not be negative")),
            _ => None,
        };
        if let Some((field, description)) = violation {
            return ServiceError::Validation(vec![FieldViolation::new(field, description)]);
        }
        if matches!(db, sqlx::Error::PoolTimedOut) {
            tracing::warn!("no free database connection in time");
            return ServiceError::Unavailable("the catalog is busy, retry shortly".into());
        }
        ServiceError::internal(error)
    }
}
