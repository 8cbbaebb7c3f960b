//! The response envelopes of the API, as the seed API had them, and pages of listings
//! (their query parameters are in [`crate::listing`]).
//!
//! Success: `{"success": true, "statusCode": 200, "data": ...}`.
//! Error: `{"success": false, "statusCode": 404, "timestamp": "...", "path": "/api/v1/...",
//! "error": {"message": "...", "fields": [...]}}` (rendered by the error-envelope
//! middleware). A listing's `data` is `{"data": [...], "total", "page", "limit"}`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::Serialize;
use shop_common::scratch;
use shop_proto::common::v1 as pb;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorDetail};

/// A successful response: the status and the data, serialized once into the body.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    #[schema(example = true)]
    pub success: bool,
    #[schema(example = 200)]
    pub status_code: u16,
    pub data: T,
}

impl<T: Serialize> Envelope<T> {
    /// 200 with `data`.
    pub fn ok(data: T) -> Self {
        Self::with_status(StatusCode::OK, data)
    }

    /// 201 with the created resource.
    pub fn created(data: T) -> Self {
        Self::with_status(StatusCode::CREATED, data)
    }

    fn with_status(status: StatusCode, data: T) -> Self {
        Self {
            success: true,
            status_code: status.as_u16(),
            data,
        }
    }
}

impl<T: Serialize> IntoResponse for Envelope<T> {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status_code).unwrap_or(StatusCode::OK);
        json_response(status, &self)
    }
}

/// Headers a JSON answer ends up with: its content type, then those the middleware
/// adds (request id, four security headers, CORS, `Vary`; `content-length` and `date`
/// are written by hyper, not kept here). Room for them up front spares the header map
/// growing, with a copy of its entries each time, as they are added.
const HEADER_CAPACITY: usize = 12;

/// `value` as a JSON body with `status`; a value that cannot be serialized is a 500.
pub fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    match serialize(value) {
        Ok(body) => json_body(status, body),
        Err(error) => {
            tracing::error!(%error, "cannot serialize a response");
            ApiError::Internal.into_response()
        }
    }
}

/// `body`, JSON already, with `status`.
pub fn json_body(status: StatusCode, body: Bytes) -> Response {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.reserve(HEADER_CAPACITY);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// `value` as JSON, in a buffer of its exact size (see [`scratch`]): serialising into
/// a growing buffer reallocated and copied it about four times for a page of ten
/// products (3.5 KB).
pub fn serialize(value: &impl Serialize) -> Result<Bytes, serde_json::Error> {
    scratch::with_buffer(|buffer| {
        serde_json::to_writer(&mut *buffer, value)?;
        Ok(Bytes::copy_from_slice(buffer))
    })
}

/// The error envelope, as the middleware renders it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    #[schema(example = false)]
    pub success: bool,
    #[schema(example = 404)]
    pub status_code: u16,
    /// RFC 3339, UTC.
    #[schema(value_type = String, format = DateTime, example = "2026-01-31T12:00:00Z")]
    pub timestamp: String,
    /// The request's path, without the query string.
    #[schema(example = "/api/v1/products/0199a3b2-7c4e-7d1a-9f0e-2b5c8d1e4f60")]
    pub path: String,
    pub error: ErrorDetail,
}

/// One page of a listing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Paginated<T> {
    pub data: Vec<T>,
    /// Items in the whole listing.
    #[schema(example = 42)]
    pub total: u64,
    /// From 1 (a page past the end is empty).
    #[schema(value_type = u64, minimum = 1, maximum = 4294967295_u64, example = 1)]
    pub page: u32,
    #[schema(minimum = 1, maximum = 100, example = 10)]
    pub limit: u32,
}

impl<T> Paginated<T> {
    /// A page of `data`, positioned by the service's `PageInfo`.
    pub fn new(data: Vec<T>, info: Option<pb::PageInfo>) -> Self {
        let info = info.unwrap_or_default();
        Self {
            data,
            total: info.total,
            page: info.page,
            limit: info.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_success_envelope_names_fields_as_the_seed_did() {
        let json = serde_json::to_value(Envelope::created(vec![1, 2])).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"success": true, "statusCode": 201, "data": [1, 2]})
        );
    }

    #[test]
    fn a_body_is_its_value_as_json() {
        let large: Vec<String> = (0..10_000).map(|i| format!("product {i}")).collect();
        for value in [vec!["a".to_owned()], large] {
            let body = serialize(&value).unwrap();
            assert_eq!(body, serde_json::to_vec(&value).unwrap());
        }
    }

    /// Serialises another value while it is being serialised.
    struct Nested;

    impl Serialize for Nested {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let inner = serialize(&[1, 2]).map_err(serde::ser::Error::custom)?;
            serializer.serialize_bytes(&inner)
        }
    }

    #[test]
    fn a_value_serialised_while_another_is_gets_a_buffer_of_its_own() {
        let body = serialize(&Nested).unwrap();
        assert_eq!(body, serde_json::to_vec(&b"[1,2]").unwrap());
    }

    #[test]
    fn a_page_carries_its_position() {
        let info = pb::PageInfo {
            total: 12,
            page: 2,
            limit: 5,
        };
        let json = serde_json::to_value(Paginated::new(vec!["a"], Some(info))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"data": ["a"], "total": 12, "page": 2, "limit": 5})
        );
    }
}
