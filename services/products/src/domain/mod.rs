//! Products, listings, search queries and stock reservations: types and rules, no I/O.
//!
//! Requests are parsed into these types once, at the gRPC edge; a value that exists is
//! valid. Parsing collects every invalid field so a caller learns all of them at once.

pub mod listing;
pub mod permissions;
pub mod product;
pub mod reservation;
pub mod search;

use shop_common::error::FieldViolation;
use uuid::Uuid;

/// Parses a UUID field, naming the field when it is not one.
pub(crate) fn parse_uuid(field: &str, raw: &str) -> Result<Uuid, FieldViolation> {
    raw.trim()
        .parse()
        .map_err(|_| FieldViolation::new(field, "must be a UUID"))
}
