//! A JSON body extractor whose failures are API errors: 415 for another content type,
//! 413 past the body limit, 400 for malformed JSON, and 400 naming the field (with its
//! serde path, `products[0].quantity`) for a value of the wrong type, a missing field
//! or an unknown one.

use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderMap, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// A request body of type `T`, from `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T, S> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes =
            Bytes::from_request(request, state)
                .await
                .map_err(|rejection| match rejection {
                    BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                        ApiError::PayloadTooLarge
                    }
                    _ => ApiError::BadRequest("Cannot read the request body".into()),
                })?;
        decode(&bytes).map(Json)
    }
}

/// `application/json` or `application/<something>+json`, any parameters.
fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype
                .get(subtype.len().saturating_sub(5)..)
                .is_some_and(|suffix| suffix.eq_ignore_ascii_case("+json")))
}

/// Parses a body, naming the offending field when the JSON is well-formed but does
/// not fit `T`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        from_serde(Some(path), error.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|error| from_serde(None, error))?;
    Ok(value)
}

fn from_serde(path: Option<String>, error: serde_json::Error) -> ApiError {
    let text = without_position(&error);
    if !error.is_data() {
        return ApiError::BadRequest(format!("Malformed JSON: {text}").into());
    }
    let mut field = path.filter(|p| p != ".").unwrap_or_default();
    // serde reports a missing or unknown field at its parent; name the field itself.
    if let Some(name) = named_field(&text)
        && !field.ends_with(name)
    {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    if field.is_empty() {
        ApiError::BadRequest(format!("Invalid body: {text}").into())
    } else {
        ApiError::Validation(vec![FieldError::new(field, text)])
    }
}

/// serde_json's message without its ` at line 1 column 9` suffix.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(at) if error.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

/// The field named in "missing field `x`" and "unknown field `x`, expected ...".
fn named_field(message: &str) -> Option<&str> {
    let rest = message
        .strip_prefix("missing field `")
        .or_else(|| message.strip_prefix("unknown field `"))?;
    rest.split('`').next()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Order {
        #[allow(dead_code)]
        products: Vec<Line>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    struct Line {
        #[allow(dead_code)]
        product_id: String,
        #[allow(dead_code)]
        quantity: u32,
    }

    fn fields(error: ApiError) -> Vec<FieldError> {
        match error {
            ApiError::Validation(fields) => fields,
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_wrong_type_names_its_path() {
        let body = br#"{"products": [{"productId": "a", "quantity": "two"}]}"#;
        let fields = fields(decode::<Order>(body).unwrap_err());
        assert_eq!(fields[0].field, "products[0].quantity");
        assert!(fields[0].message.starts_with("invalid type"), "{fields:?}");
        assert!(!fields[0].message.contains("line"), "{fields:?}");
    }

    #[test]
    fn missing_and_unknown_fields_are_named() {
        let missing = fields(decode::<Order>(br#"{"products": [{"quantity": 1}]}"#).unwrap_err());
        assert_eq!(missing[0].field, "products[0].productId");
        let unknown = fields(decode::<Order>(br#"{"products": [], "price": 0}"#).unwrap_err());
        assert_eq!(unknown[0].field, "price");
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        for body in [&b"{"[..], b"", br#"{"products": []} trailing"#] {
            let error = decode::<Order>(body).unwrap_err();
            assert!(
                matches!(&error, ApiError::BadRequest(m) if m.starts_with("Malformed JSON")),
                "{error:?}"
            );
        }
    }

    #[test]
    fn json_content_types_are_recognised() {
        let headers = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
            headers
        };
        assert!(is_json(&headers("application/json")));
        assert!(is_json(&headers("Application/JSON; charset=utf-8")));
        assert!(is_json(&headers("application/merge-patch+json")));
        assert!(!is_json(&headers("text/plain")));
        assert!(!is_json(&headers("application/x-www-form-urlencoded")));
        assert!(!is_json(&HeaderMap::new()));
    }
}
