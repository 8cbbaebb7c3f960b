//! Errors of the cart service, and their one mapping to gRPC status.

use std::time::Duration;

use shop_common::config::MongoUri;
use shop_common::error::{FieldViolation, ServiceError};
use shop_common::money::MoneyError;
use shop_common::server::ServerError;

use crate::domain::{CartRuleError, ProductId};

/// What a cart database operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the cart database did not answer within {0:?}")]
    Timeout(Duration),
    #[error("cart database operation failed")]
    Mongo(#[from] mongodb::error::Error),
    #[error("a stored cart is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub(crate) fn corrupt(error: impl std::fmt::Display) -> Self {
        Self::Corrupt(error.to_string())
    }
}

/// Why a cart call failed, before it becomes a gRPC status.
#[derive(Debug, thiserror::Error)]
pub enum CartError {
    #[error(transparent)]
    Rule(#[from] CartRuleError),
    #[error("the cart has no line for product {0}")]
    LineNotFound(ProductId),
    #[error("the cart changed {attempts} times while this item was being added; try again")]
    Contended { attempts: u32 },
    #[error("cannot total the cart")]
    Total(#[from] MoneyError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<CartError> for ServiceError {
    fn from(error: CartError) -> Self {
        match error {
            CartError::Rule(rule @ CartRuleError::QuantityExceeded { .. }) => {
                ServiceError::Validation(vec![FieldViolation::new("quantity", rule.to_string())])
            }
            CartError::Rule(rule @ CartRuleError::Full) => {
                ServiceError::FailedPrecondition(rule.to_string())
            }
            CartError::LineNotFound(_) => ServiceError::NotFound(error.to_string()),
            // Retrying is safe: nothing was written.
            CartError::Contended { .. } => ServiceError::Unavailable(error.to_string()),
            CartError::Store(StoreError::Timeout(_)) => ServiceError::Unavailable(
                "the cart database did not answer in time; try again".to_owned(),
            ),
            CartError::Store(error) => ServiceError::internal(error),
            CartError::Total(error) => ServiceError::internal(error),
        }
    }
}

impl From<CartError> for tonic::Status {
    fn from(error: CartError) -> Self {
        ServiceError::from(error).into()
    }
}

/// Why the cart database could not be used at start.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("MONGODB_URI {uri:?} cannot be used")]
    Options {
        uri: MongoUri,
        #[source]
        source: mongodb::error::Error,
    },
    #[error("cannot reach MongoDB at {uri:?} after {attempts} attempts")]
    Unreachable {
        uri: MongoUri,
        attempts: u32,
        #[source]
        source: StoreError,
    },
}

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    #[error("cannot create the indexes of the carts collection")]
    Indexes(#[source] StoreError),
    #[error("cannot read the address the gRPC port is bound to")]
    LocalAddr(#[source] std::io::Error),
    #[error(transparent)]
    Server(#[from] ServerError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Quantity;
    use tonic::Code;

    fn status(error: CartError) -> tonic::Status {
        error.into()
    }

    #[test]
    fn an_overfull_line_is_an_invalid_quantity() {
        let q = |n| Quantity::new(n).unwrap();
        let status = status(CartError::Rule(CartRuleError::QuantityExceeded {
            in_cart: q(999),
            adding: q(1),
        }));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert!(status.message().starts_with("quantity: "), "{status:?}");
    }

    #[test]
    fn a_full_cart_is_a_failed_precondition_naming_the_limit() {
        let status = status(CartError::Rule(CartRuleError::Full));
        assert_eq!(status.code(), Code::FailedPrecondition);
        assert!(status.message().contains("at most 100 lines"), "{status:?}");
    }

    #[test]
    fn database_failures_do_not_leak_details() {
        let status = status(CartError::Store(StoreError::Corrupt("secret".into())));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
