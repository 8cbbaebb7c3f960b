//! Listings: `?page=1&limit=10&sort=<field>&order=asc|desc`, read as a [`PageQuery`]
//! and checked here so that what the OpenAPI document promises is exactly what is
//! accepted: `page` from 1, `limit` from 1 to [`MAX_LIMIT`], `sort` one of the
//! listing's own fields (an enum declared with [`sort_fields!`]), `order` asc or desc.
//! Absent values take the listing's defaults (page 1, 10 items, the sort field's
//! natural order).
//!
//! A route with parameters of its own takes them as a second `Query` of the same query
//! string rather than flattening [`PageQuery`] into them: serde's `flatten` hands the
//! values on as strings, so `u32` fields no longer parse, and errors lose the name of
//! the parameter they are about.

use serde::Deserialize;
use serde_json::json;
use shop_proto::common::v1 as pb;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::{KnownFormat, ObjectBuilder, Required, SchemaFormat, Type};
use utoipa::{IntoParams, PartialSchema, ToSchema};

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
    /// The description of the listing's `sort` parameter (its names and default).
    const SORT_DOC: &'static str;
    /// The description of the listing's `order` parameter.
    const ORDER_DOC: &'static str;

    fn name(self) -> &'static str;
}

/// Declares the sort fields of a listing: an enum the query string is parsed into (an
/// unknown name is a 400 naming `sort`), documented in OpenAPI as its list of names,
/// with the descriptions of the listing's `sort` and `order` parameters.
macro_rules! sort_fields {
    (
        $(#[$doc:meta])* $name:ident { $($variant:ident => $text:tt),+ $(,)? }
        sort: $sort_doc:literal,
        order: $order_doc:literal $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $(#[serde(rename = $text)] $variant),+
        }

        impl $crate::listing::SortField for $name {
            const SORT_DOC: &'static str = $sort_doc;
            const ORDER_DOC: &'static str = $order_doc;

            fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }
        }
    };
}
pub(crate) use sort_fields;

/// The page of a listing sorted by `S`, as the query string has it.
#[derive(Debug, Deserialize)]
pub struct PageQuery<S> {
    pub page: Option<u32>,
    pub limit: Option<u32>,
    pub sort: Option<S>,
    pub order: Option<SortOrder>,
}

impl<S: SortField> PageQuery<S> {
    /// The page request for the services, or a 400 naming each out-of-range value.
    pub fn to_request(&self) -> Result<pb::PageRequest, ApiError> {
        page_request(self.page, self.limit, self.sort, self.order)
    }
}

/// Written by hand rather than derived so that `sort` and `order` carry each listing's
/// own descriptions ([`SortField::SORT_DOC`], [`SortField::ORDER_DOC`]).
impl<S: SortField + PartialSchema> IntoParams for PageQuery<S> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        let parameter = |name: &str, description: &str| {
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .description(Some(description))
                .required(Required::False)
        };
        let integer = |format: KnownFormat, maximum: u32| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(SchemaFormat::KnownFormat(format)))
                .minimum(Some(1))
                .maximum(Some(maximum))
        };
        vec![
            // Documented as int64 so that its maximum, u32::MAX, fits the format.
            parameter("page", "Page number, from 1.")
                .schema(Some(integer(KnownFormat::Int64, u32::MAX)))
                .example(Some(json!(1)))
                .build(),
            parameter("limit", "Items per page (1 to 100, default 10).")
                .schema(Some(integer(KnownFormat::Int32, MAX_LIMIT)))
                .example(Some(json!(10)))
                .build(),
            parameter("sort", S::SORT_DOC)
                .schema(Some(S::schema()))
                .build(),
            parameter("order", S::ORDER_DOC)
                .schema(Some(SortOrder::schema()))
                .build(),
        ]
    }
}

/// A page request for the services, or a 400 naming each out-of-range value. Absent
/// values are the services' defaults (0 / empty).
fn page_request<S: SortField>(
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

    sort_fields!(
        TestSort { CreatedAt => "created_at", Price => "price" }
        sort: "`created_at` or `price`.",
        order: "`asc` or `desc`.",
    );

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

    /// What `#[derive(IntoParams)]` makes of the same fields: the hand-written
    /// [`PageQuery`] parameters must not drift from it.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    #[allow(dead_code)]
    struct DerivedPageQuery {
        /// Page number, from 1.
        #[param(value_type = Option<u64>, minimum = 1, maximum = 4294967295_u64, example = 1)]
        page: Option<u32>,
        /// Items per page (1 to 100, default 10).
        #[param(minimum = 1, maximum = 100, example = 10)]
        limit: Option<u32>,
        /// `created_at` or `price`.
        #[param(inline)]
        sort: Option<TestSort>,
        /// `asc` or `desc`.
        #[param(inline)]
        order: Option<SortOrder>,
    }

    #[test]
    fn page_parameters_are_documented_as_derived_ones_would_be() {
        let by_hand = serde_json::to_value(PageQuery::<TestSort>::into_params(|| None)).unwrap();
        let derived = serde_json::to_value(DerivedPageQuery::into_params(|| None)).unwrap();
        assert_eq!(by_hand, derived);
    }

    #[test]
    fn a_page_query_is_checked_into_a_request() {
        let query = PageQuery {
            page: Some(2),
            limit: Some(MAX_LIMIT + 1),
            sort: Some(TestSort::Price),
            order: None,
        };
        assert_eq!(fields(query.to_request().unwrap_err()), ["limit"]);
        let query = PageQuery {
            limit: Some(5),
            ..query
        };
        let request = query.to_request().unwrap();
        assert_eq!(
            (request.page, request.limit, request.sort.as_str()),
            (2, 5, "price")
        );
    }
}
