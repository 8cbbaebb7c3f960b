//! The one mapping from service errors to gRPC status.
//!
//! Each service has its own `thiserror` enums; at the gRPC edge they convert into
//! [`ServiceError`], and from there into `tonic::Status`. Internal errors are logged
//! with their cause and reach the caller only as "internal error".

use std::error::Error as StdError;

/// What a service answers when a call fails, by gRPC code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    PermissionDenied(String),
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    ResourceExhausted(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn StdError + Send + Sync>),
}

impl ServiceError {
    pub fn internal(error: impl StdError + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }
}

impl From<ServiceError> for tonic::Status {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::InvalidArgument(m) => tonic::Status::invalid_argument(m),
            ServiceError::NotFound(m) => tonic::Status::not_found(m),
            ServiceError::AlreadyExists(m) => tonic::Status::already_exists(m),
            ServiceError::PermissionDenied(m) => tonic::Status::permission_denied(m),
            ServiceError::Unauthenticated(m) => tonic::Status::unauthenticated(m),
            ServiceError::FailedPrecondition(m) => tonic::Status::failed_precondition(m),
            ServiceError::ResourceExhausted(m) => tonic::Status::resource_exhausted(m),
            ServiceError::Unavailable(m) => tonic::Status::unavailable(m),
            ServiceError::Internal(cause) => {
                tracing::error!(error = %cause, source = ?cause.source(), "internal error");
                tonic::Status::internal("internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[test]
    fn each_kind_maps_to_its_code() {
        let cases = [
            (
                ServiceError::InvalidArgument("x".into()),
                Code::InvalidArgument,
            ),
            (ServiceError::NotFound("x".into()), Code::NotFound),
            (ServiceError::AlreadyExists("x".into()), Code::AlreadyExists),
            (
                ServiceError::PermissionDenied("x".into()),
                Code::PermissionDenied,
            ),
            (
                ServiceError::Unauthenticated("x".into()),
                Code::Unauthenticated,
            ),
            (
                ServiceError::FailedPrecondition("x".into()),
                Code::FailedPrecondition,
            ),
            (
                ServiceError::ResourceExhausted("x".into()),
                Code::ResourceExhausted,
            ),
            (ServiceError::Unavailable("x".into()), Code::Unavailable),
        ];
        for (error, code) in cases {
            let status = tonic::Status::from(error);
            assert_eq!(status.code(), code);
            assert_eq!(status.message(), "x");
        }
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let cause = std::io::Error::other("password=hunter2 in a connection string");
        let status = tonic::Status::from(ServiceError::internal(cause));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
