//! The one mapping from service errors to gRPC status.
//!
//! Each service has its own `thiserror` enums; at the gRPC edge they convert into
//! [`ServiceError`], and from there into `tonic::Status`. Internal errors are logged
//! with their cause and reach the caller only as "internal error".

use std::error::Error as StdError;

use tonic_types::{ErrorDetails, StatusExt};

/// One invalid field of a request: `email`, "is not a valid e-mail address".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    pub field: String,
    pub description: String,
}

impl FieldViolation {
    pub fn new(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            description: description.into(),
        }
    }
}

/// `email: is not a valid e-mail address; password: is too short`.
fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.description))
        .collect::<Vec<_>>()
        .join("; ")
}

/// What a service answers when a call fails, by gRPC code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    InvalidArgument(String),
    /// Invalid fields: InvalidArgument with a readable message and, as rich error
    /// details (`google.rpc.BadRequest`), each field on its own for the gateway.
    #[error("{}", describe(.0))]
    Validation(Vec<FieldViolation>),
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
            ServiceError::Validation(violations) => {
                let mut details = ErrorDetails::new();
                for v in &violations {
                    details.add_bad_request_violation(v.field.clone(), v.description.clone());
                }
                tonic::Status::with_error_details(
                    tonic::Code::InvalidArgument,
                    describe(&violations),
                    details,
                )
            }
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
    fn validation_names_each_field_in_message_and_details() {
        let status = tonic::Status::from(ServiceError::Validation(vec![
            FieldViolation::new("email", "is not a valid e-mail address"),
            FieldViolation::new("password", "is too short"),
        ]));
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(
            status.message(),
            "email: is not a valid e-mail address; password: is too short"
        );
        let details = status.get_error_details();
        let fields: Vec<_> = details
            .bad_request()
            .unwrap()
            .field_violations
            .iter()
            .map(|v| v.field.as_str())
            .collect();
        assert_eq!(fields, ["email", "password"]);
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let cause = std::io::Error::other("password=hunter2 in a connection string");
        let status = tonic::Status::from(ServiceError::internal(cause));
        assert_eq!(status.code(), Code::Internal);
        assert_eq!(status.message(), "internal error");
    }
}
