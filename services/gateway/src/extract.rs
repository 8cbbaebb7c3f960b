//! Query-string and path extractors whose failures are API errors (400 in the error
//! envelope), like [`crate::json::Json`] for bodies.

use axum::extract::FromRequestParts;
use axum::extract::rejection::{PathRejection, QueryRejection};

use crate::error::{ApiError, FieldError};

/// The query string as `T`; a value of the wrong type is a 400 naming the parameter.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Path parameters as `T`.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        let text = rejection.body_text();
        // "Failed to deserialize query string: limit: invalid digit found in string"
        let detail = text
            .strip_prefix("Failed to deserialize query string: ")
            .unwrap_or(&text);
        match detail.split_once(": ") {
            Some((field, message)) if is_parameter_name(field) => {
                ApiError::Validation(vec![FieldError::new(field, message)])
            }
            _ => match missing_parameter(detail) {
                Some(field) => ApiError::field(field, "is required"),
                None => ApiError::BadRequest(format!("Invalid query string: {detail}").into()),
            },
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest(rejection.body_text().into())
    }
}

fn is_parameter_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The parameter in "missing field `q`".
fn missing_parameter(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Search {
        q: String,
        limit: Option<u32>,
    }

    async fn parse(uri: &str) -> Result<Search, ApiError> {
        let (mut parts, ()) = Request::get(uri).body(()).unwrap().into_parts();
        Query::<Search>::from_request_parts(&mut parts, &())
            .await
            .map(|Query(search)| search)
    }

    #[tokio::test]
    async fn a_bad_number_names_the_parameter() {
        let Err(ApiError::Validation(fields)) = parse("/?q=mug&limit=many").await else {
            panic!("expected a field error");
        };
        assert_eq!(fields[0].field, "limit");
    }

    #[tokio::test]
    async fn a_missing_parameter_is_required() {
        let Err(ApiError::Validation(fields)) = parse("/?limit=5").await else {
            panic!("expected a field error");
        };
        assert_eq!(fields, [FieldError::new("q", "is required")]);
    }
}
