//! The one mapping from failures to HTTP.
//!
//! Handlers fail with [`ApiError`]; gRPC statuses from the services convert into it
//! here and nowhere else. `ApiError` becomes a response carrying an [`ErrorDetail`]
//! extension, which the error-envelope middleware renders with the request's path and
//! a timestamp (see [`crate::middleware::error_envelope`]).
//!
//! | gRPC code | HTTP |
//! |---|---|
//! | InvalidArgument, OutOfRange | 400 (field-level when the status carries `BadRequest` details) |
//! | Unauthenticated | 401 |
//! | PermissionDenied | 403 |
//! | NotFound | 404 |
//! | AlreadyExists, FailedPrecondition, Aborted | 409 (the request conflicts with the current state) |
//! | ResourceExhausted | 429 |
//! | Unavailable | 503 |
//! | DeadlineExceeded, Cancelled (a client-side timeout) | 504 |
//! | Internal, Unknown, DataLoss, Unimplemented | 500, with a generic message |

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tonic::Code;
use tonic_types::StatusExt;
use utoipa::ToSchema;

/// One invalid field of a request, named as the client wrote it (`email`,
/// `products[0].quantity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    #[schema(example = "email")]
    pub field: String,
    #[schema(example = "is not a valid e-mail address")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why a request failed, by HTTP status.
#[derive(Debug)]
pub enum ApiError {
    /// 400 "Validation failed", with every invalid field.
    Validation(Vec<FieldError>),
    /// 400 with a message (malformed JSON, a bad query string...).
    BadRequest(Cow<'static, str>),
    /// 401: no token, or an invalid or expired one.
    Unauthenticated(Cow<'static, str>),
    /// 403: the caller's role does not allow this.
    Forbidden(Cow<'static, str>),
    /// 404
    NotFound(Cow<'static, str>),
    /// 409: a duplicate, or a change the current state does not allow.
    Conflict(Cow<'static, str>),
    /// 413: the body is larger than `BODY_LIMIT`.
    PayloadTooLarge,
    /// 415: the body is not `application/json`.
    UnsupportedMediaType,
    /// 429
    TooManyRequests(Cow<'static, str>),
    /// 500: the cause is logged, never shown.
    Internal,
    /// 503: a service this request needs is down, or the token key is not known yet.
    Unavailable(Cow<'static, str>),
    /// 504: an upstream call took too long.
    Timeout,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Validation(_) | ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        }
    }

    /// What the client reads in `error.message`.
    pub fn message(&self) -> Cow<'static, str> {
        match self {
            ApiError::Validation(_) => "Validation failed".into(),
            ApiError::BadRequest(m)
            | ApiError::Unauthenticated(m)
            | ApiError::Forbidden(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::TooManyRequests(m)
            | ApiError::Unavailable(m) => m.clone(),
            other => default_message(other.status()).into(),
        }
    }

    /// One invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, message)])
    }

    /// The same error with the field a service calls `from` named `to`, as the client
    /// wrote it (a query parameter whose name differs from the service's field).
    pub fn renaming_field(self, from: &str, to: &str) -> Self {
        match self {
            ApiError::Validation(mut fields) => {
                for field in fields.iter_mut().filter(|f| f.field == from) {
                    field.field = to.to_owned();
                }
                ApiError::Validation(fields)
            }
            other => other,
        }
    }
}

/// The message of an error response that carries none of its own (a 405 from the
/// router, a 413 from the body limit...).
pub fn default_message(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "Bad request",
        StatusCode::UNAUTHORIZED => "Authentication required",
        StatusCode::FORBIDDEN => "Forbidden",
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::METHOD_NOT_ALLOWED => "Method not allowed on this path",
        StatusCode::REQUEST_TIMEOUT => "The request took too long",
        StatusCode::PAYLOAD_TOO_LARGE => "The request body is too large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Unsupported content type: send application/json",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests; try again later",
        StatusCode::SERVICE_UNAVAILABLE => "Service unavailable; try again shortly",
        StatusCode::GATEWAY_TIMEOUT => "The request took too long; try again",
        status if status.is_server_error() => "Internal server error",
        _ => "Request failed",
    }
}

/// The `error` object of the envelope, before the middleware adds path and time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    #[schema(value_type = String, example = "Validation failed")]
    pub message: Cow<'static, str>,
    /// Present on 400 responses about specific fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = self.message();
        let fields = match self {
            ApiError::Validation(fields) => fields,
            _ => Vec::new(),
        };
        let mut response =
            (status, axum::Extension(ErrorDetail { message, fields })).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<tonic::Status> for ApiError {
    fn from(status: tonic::Status) -> Self {
        let message = || Cow::Owned(status.message().to_owned());
        match status.code() {
            Code::InvalidArgument | Code::OutOfRange => {
                let fields = field_violations(&status);
                if fields.is_empty() {
                    ApiError::BadRequest(message())
                } else {
                    ApiError::Validation(fields)
                }
            }
            Code::Unauthenticated => ApiError::Unauthenticated(message()),
            Code::PermissionDenied => ApiError::Forbidden(message()),
            Code::NotFound => ApiError::NotFound(message()),
            Code::AlreadyExists | Code::FailedPrecondition | Code::Aborted => {
                ApiError::Conflict(message())
            }
            Code::ResourceExhausted => ApiError::TooManyRequests(message()),
            Code::Unavailable => {
                tracing::warn!(error = %status.message(), "an upstream service is unavailable");
                ApiError::Unavailable(
                    "A service this request needs is unavailable; try again shortly".into(),
                )
            }
            Code::DeadlineExceeded | Code::Cancelled => {
                tracing::warn!(error = %status.message(), "an upstream call timed out");
                ApiError::Timeout
            }
            Code::Ok | Code::Unknown | Code::Internal | Code::DataLoss | Code::Unimplemented => {
                tracing::error!(code = ?status.code(), error = %status.message(), "an upstream call failed");
                ApiError::Internal
            }
        }
    }
}

/// The `google.rpc.BadRequest` violations of a status, with field names in the
/// API's camelCase (`product_id` → `productId`).
fn field_violations(status: &tonic::Status) -> Vec<FieldError> {
    status
        .get_error_details()
        .bad_request()
        .map(|bad_request| {
            bad_request
                .field_violations
                .iter()
                .map(|v| FieldError::new(camel_case(&v.field), v.description.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// `user_id` → `userId`; `products[0].product_id` → `products[0].productId`.
fn camel_case(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shop_common::error::{FieldViolation, ServiceError};

    #[test]
    fn every_code_has_its_status() {
        let cases = [
            (Code::InvalidArgument, 400),
            (Code::OutOfRange, 400),
            (Code::Unauthenticated, 401),
            (Code::PermissionDenied, 403),
            (Code::NotFound, 404),
            (Code::AlreadyExists, 409),
            (Code::FailedPrecondition, 409),
            (Code::Aborted, 409),
            (Code::ResourceExhausted, 429),
            (Code::Internal, 500),
            (Code::Unknown, 500),
            (Code::DataLoss, 500),
            (Code::Unimplemented, 500),
            (Code::Unavailable, 503),
            (Code::DeadlineExceeded, 504),
            (Code::Cancelled, 504),
        ];
        for (code, http) in cases {
            let error = ApiError::from(tonic::Status::new(code, "x"));
            assert_eq!(error.status().as_u16(), http, "{code:?}");
        }
    }

    #[test]
    fn internal_and_transport_details_never_reach_the_client() {
        let internal = ApiError::from(tonic::Status::internal("password=hunter2"));
        assert_eq!(internal.message(), "Internal server error");
        let down = ApiError::from(tonic::Status::unavailable("tcp connect error 10.0.0.7"));
        assert!(!down.message().contains("10.0.0.7"));
    }

    #[test]
    fn field_violations_become_camel_case_fields() {
        let status = tonic::Status::from(ServiceError::Validation(vec![
            FieldViolation::new("product_id", "must be a UUID"),
            FieldViolation::new("products[0].quantity", "must be between 1 and 999"),
        ]));
        let ApiError::Validation(fields) = ApiError::from(status) else {
            panic!("expected a validation error");
        };
        assert_eq!(
            fields,
            [
                FieldError::new("productId", "must be a UUID"),
                FieldError::new("products[0].quantity", "must be between 1 and 999"),
            ]
        );
    }

    #[test]
    fn a_renamed_field_keeps_its_message() {
        let error = ApiError::field("query", "must contain a letter").renaming_field("query", "q");
        let ApiError::Validation(fields) = error else {
            panic!("expected a validation error");
        };
        assert_eq!(fields, [FieldError::new("q", "must contain a letter")]);
    }

    #[test]
    fn invalid_argument_without_details_keeps_its_message() {
        let error = ApiError::from(tonic::Status::invalid_argument("the cart is empty"));
        assert_eq!(error.message(), "the cart is empty");
    }
}
