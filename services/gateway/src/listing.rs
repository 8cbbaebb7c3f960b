//! Listings: `?page=1&limit=10&sort=<field>&order=asc|desc`, checked here so that what
//! the OpenAPI document promises is exactly what is accepted: `page` from 1, `limit`
//! from 1 to [`MAX_LIMIT`], `sort` one of the listing's own fields (an enum declared
//! with [`sort_fields!`]), `order` asc or desc. Absent values take the listing's
//! defaults (page 1, 10 items, the sort field's natural order).

use serde::Deserialize;
use shop_proto::common::v1 as pb;
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};

/// The most items a page may hold.
pub const MAX_LIMIT: u32 = 100;

/// Direction of a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    Asc,
    Desc,
}

/// A field a listing can be sorted by, as the services name it.
pub trait SortField: Copy {
    fn name(self) -> &'static str;
}

/// Declares the sort fields of a listing: an enum the query string is parsed into (an
/// unknown name is a 400 naming `sort`), documented in OpenAPI as its list of names.
macro_rules! sort_fields {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $crate::listing::SortField for $name {
            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }
    };
}
pub(crate) use sort_fields;

/// A page request for the services, or a 400 naming each out-of-range value. Absent
/// values are the services' defaults (0 / empty).
pub fn page_request<S: SortField>(
    page: Option<u32>,
    limit: Option<u32>,
    sort: Option<S>,
    order: Option<SortOrder>,
) -> Result<pb::PageRequest, ApiError> {
    let mut invalid = Vec::new();
    if page == Some(0) {
        invalid.push(FieldError::new("page", "must be at least 1"));
    }
    if limit.is_some_and(|limit| !(1..=MAX_LIMIT).contains(&limit)) {
        invalid.push(FieldError::new(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    if !invalid.is_empty() {
        return Err(ApiError::Validation(invalid));
    }
    Ok(pb::PageRequest {
        page: page.unwrap_or(0),
        limit: limit.unwrap_or(0),
        sort: sort.map(SortField::name).unwrap_or_default().to_owned(),
        order: match order {
            None => pb::SortOrder::Unspecified,
            Some(SortOrder::Asc) => pb::SortOrder::Asc,
            Some(SortOrder::Desc) => pb::SortOrder::Desc,
        }
        .into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    sort_fields!(TestSort { CreatedAt => "created_at", Price => "price" });

    fn fields(error: ApiError) -> Vec<String> {
        match error {
            ApiError::Validation(fields) => fields.into_iter().map(|f| f.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn absent_values_are_the_services_defaults() {
        let request = page_request::<TestSort>(None, None, None, None).unwrap();
        assert_eq!(
            (request.page, request.limit, request.sort.as_str()),
            (0, 0, "")
        );
        assert_eq!(request.order(), pb::SortOrder::Unspecified);
    }

    #[test]
    fn given_values_are_passed_by_their_service_names() {
        let request = page_request(
            Some(3),
            Some(MAX_LIMIT),
            Some(TestSort::CreatedAt),
            Some(SortOrder::Desc),
        )
        .unwrap();
        assert_eq!(
            (request.page, request.limit, request.sort.as_str()),
            (3, 100, "created_at")
        );
        assert_eq!(request.order(), pb::SortOrder::Desc);
    }

    #[test]
    fn page_zero_and_limits_out_of_range_name_their_parameter() {
        let error = page_request::<TestSort>(Some(0), Some(0), None, None).unwrap_err();
        assert_eq!(fields(error), ["page", "limit"]);
        let error = page_request::<TestSort>(None, Some(MAX_LIMIT + 1), None, None).unwrap_err();
        assert_eq!(fields(error), ["limit"]);
    }

    #[test]
    fn sort_names_are_parsed_and_unknown_ones_refused() {
        let sort: TestSort = serde_json::from_str("\"price\"").unwrap();
        assert_eq!(sort.name(), "price");
        assert!(serde_json::from_str::<TestSort>("\"total; DROP TABLE\"").is_err());
    }
}
