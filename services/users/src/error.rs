//! Errors of the users service, and their one mapping to gRPC status.

use shop_common::error::ServiceError;
use shop_common::password::PasswordError;
use shop_common::postgres::PostgresError;
use shop_common::server::ServerError;

use crate::domain::UserId;

/// What the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("an account with this e-mail already exists")]
    DuplicateEmail,
    #[error("database query failed")]
    Database(#[from] sqlx::Error),
    #[error("a stored row is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub(crate) fn corrupt(error: impl std::fmt::Display) -> Self {
        Self::Corrupt(error.to_string())
    }
}

/// Why a call failed, before it becomes a gRPC status.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("no user with id {0}")]
    NotFound(UserId),
    #[error("no user with this e-mail")]
    EmailNotFound,
    #[error(transparent)]
    Invalid(ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl From<UsersError> for ServiceError {
    fn from(error: UsersError) -> Self {
        match error {
            UsersError::NotFound(_) | UsersError::EmailNotFound => {
                ServiceError::NotFound(error.to_string())
            }
            UsersError::Invalid(error) => error,
            UsersError::Store(StoreError::DuplicateEmail) => {
                ServiceError::AlreadyExists(StoreError::DuplicateEmail.to_string())
            }
            UsersError::Store(error) => ServiceError::internal(error),
            UsersError::Password(error) => ServiceError::internal(error),
        }
    }
}

impl From<UsersError> for tonic::Status {
    fn from(error: UsersError) -> Self {
        ServiceError::from(error).into()
    }
}

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Postgres(#[from] PostgresError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("invalid password hashing settings")]
    Password(#[from] PasswordError),
}
