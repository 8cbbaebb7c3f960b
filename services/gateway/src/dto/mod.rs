//! The JSON shapes of the API (camelCase, money as numbers with two decimals,
//! RFC 3339 timestamps, ids as strings) and their conversions from the services'
//! protobuf messages. Request bodies refuse unknown fields.

pub mod cart;
pub mod image_url;
pub mod orders;
pub mod products;
pub mod users;
pub mod whole;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A protobuf timestamp as a date-time (absent or out of range: none).
pub fn timestamp(value: Option<prost_types::Timestamp>) -> Option<OffsetDateTime> {
    let value = value?;
    let nanos = i128::from(value.seconds) * 1_000_000_000 + i128::from(value.nanos);
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// What a delete answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deleted {
    #[schema(example = "0199a3b2-7c4e-7d1a-9f0e-2b5c8d1e4f60")]
    pub id: String,
    #[schema(example = true)]
    pub deleted: bool,
}

impl Deleted {
    pub fn new(id: String) -> Self {
        Self { id, deleted: true }
    }
}

/// A role, as the API writes it.
#[derive(Debug, Clone, Copy, ToSchema)]
#[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
pub enum RoleName {
    USER,
    SELLER,
    ADMIN,
    SUPER_ADMIN,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_their_nanoseconds() {
        let ts = prost_types::Timestamp {
            seconds: 1_700_000_000,
            nanos: 5,
        };
        let time = timestamp(Some(ts)).unwrap();
        assert_eq!(time.unix_timestamp(), 1_700_000_000);
        assert_eq!(time.nanosecond(), 5);
        assert!(timestamp(None).is_none());
    }
}
