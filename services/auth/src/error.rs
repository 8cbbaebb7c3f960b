//! Errors of the auth service, and their one mapping to gRPC status.

use shop_common::error::ServiceError;
use shop_common::password::PasswordError;
use shop_common::server::ServerError;

use crate::keys::KeyError;
use crate::throttle::Throttled;
use crate::tokens::TokenError;

/// Why a call failed, before it becomes a gRPC status.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The same for an unknown e-mail and a wrong password.
    #[error("invalid e-mail or password")]
    InvalidCredentials,
    #[error("this account is disabled")]
    AccountDisabled,
    #[error("the account of this token no longer exists")]
    AccountGone,
    #[error(transparent)]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("{0}")]
    RoleNotAllowed(String),
    #[error(transparent)]
    Invalid(ServiceError),
    /// users refused the request for a reason its caller must see (invalid field,
    /// duplicate e-mail): passed on as users answered it, details included.
    #[error("{}", .0.message())]
    Refused(tonic::Status),
    #[error("the users service failed: {}", .0.message())]
    Users(tonic::Status),
    #[error("users returned an account without a valid role or id")]
    MalformedUser,
    #[error(transparent)]
    Password(#[from] PasswordError),
}

impl AuthError {
    /// A failed call to users: its refusals go back to the caller as they are,
    /// anything else is users' problem, not the caller's.
    pub fn from_users(status: tonic::Status) -> Self {
        match status.code() {
            tonic::Code::InvalidArgument | tonic::Code::AlreadyExists => Self::Refused(status),
            _ => Self::Users(status),
        }
    }
}

impl From<AuthError> for tonic::Status {
    fn from(error: AuthError) -> Self {
        let service_error = match error {
            AuthError::InvalidCredentials | AuthError::AccountGone => {
                ServiceError::Unauthenticated(error.to_string())
            }
            AuthError::AccountDisabled | AuthError::RoleNotAllowed(_) => {
                ServiceError::PermissionDenied(error.to_string())
            }
            AuthError::Throttled(throttled) => {
                ServiceError::ResourceExhausted(throttled.to_string())
            }
            AuthError::Token(TokenError::Sign(cause)) => ServiceError::internal(cause),
            AuthError::Token(token) => ServiceError::Unauthenticated(token.to_string()),
            AuthError::Invalid(error) => error,
            AuthError::Refused(status) => return status,
            AuthError::Users(status) => match status.code() {
                tonic::Code::Unavailable | tonic::Code::DeadlineExceeded => {
                    tracing::warn!(error = %status.message(), "the users service is unavailable");
                    ServiceError::Unavailable("the users service is unavailable; retry".into())
                }
                _ => ServiceError::internal(status),
            },
            AuthError::MalformedUser => ServiceError::internal(error),
            AuthError::Password(error) => ServiceError::internal(error),
        };
        service_error.into()
    }
}

/// Why the service could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("cannot load the JWT signing key")]
    Keys(#[from] KeyError),
    #[error("invalid password hashing settings")]
    Password(#[from] PasswordError),
    #[error("invalid USERS_GRPC_URL")]
    UsersUrl(#[from] tonic::transport::Error),
}
