//! Pages of a listing: `page` from 1, `limit` capped, `sort` from a list of allowed
//! fields, `order` asc or desc. Parsed once at the gRPC edge; a `Page` that exists is
//! valid, so stores can build `ORDER BY` from its sort field without injection risk.

use shop_proto::common::v1 as pb;

use crate::error::{FieldViolation, ServiceError};

/// Direction of a sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

impl SortOrder {
    /// `ASC` or `DESC`, for SQL.
    pub fn sql(self) -> &'static str {
        match self {
            SortOrder::Asc => "ASC",
            SortOrder::Desc => "DESC",
        }
    }
}

/// A validated page request; `S` is the listing's own enum of sortable fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<S> {
    /// 1-based.
    pub page: u32,
    pub limit: u32,
    pub sort: S,
    pub order: SortOrder,
}

impl<S> Page<S> {
    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.limit)
    }

    /// The page's position in the response.
    pub fn info(&self, total: u64) -> pb::PageInfo {
        pb::PageInfo {
            total,
            page: self.page,
            limit: self.limit,
        }
    }
}

/// The fields a listing can be sorted by.
pub trait SortField: Sized + Copy {
    /// Accepted names, for the error message.
    const NAMES: &'static [&'static str];
    /// The default when the request names none.
    const DEFAULT: Self;
    /// The default direction for this field (newest first for dates, A–Z for names).
    fn default_order(self) -> SortOrder;
    fn parse(name: &str) -> Option<Self>;
}

/// Limits of a listing.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub default_limit: u32,
    pub max_limit: u32,
}

impl Default for PageLimits {
    fn default() -> Self {
        Self {
            default_limit: 10,
            max_limit: 100,
        }
    }
}

impl<S: SortField> Page<S> {
    /// Validates a request. An absent request (or zero page/limit) means the defaults.
    pub fn parse(
        request: Option<&pb::PageRequest>,
        limits: PageLimits,
    ) -> Result<Self, ServiceError> {
        let request = request.cloned().unwrap_or_default();
        let mut violations = Vec::new();
        let page = request.page.max(1);
        let limit = match request.limit {
            0 => limits.default_limit,
            n if n > limits.max_limit => {
                violations.push(FieldViolation::new(
                    "limit",
                    format!("must be between 1 and {}", limits.max_limit),
                ));
                limits.max_limit
            }
            n => n,
        };
        let sort = match request.sort.trim() {
            "" => S::DEFAULT,
            name => S::parse(name).unwrap_or_else(|| {
                violations.push(FieldViolation::new(
                    "sort",
                    format!("must be one of {}", S::NAMES.join(", ")),
                ));
                S::DEFAULT
            }),
        };
        let order = match request.order() {
            pb::SortOrder::Unspecified => sort.default_order(),
            pb::SortOrder::Asc => SortOrder::Asc,
            pb::SortOrder::Desc => SortOrder::Desc,
        };
        if !violations.is_empty() {
            return Err(ServiceError::Validation(violations));
        }
        Ok(Self {
            page,
            limit,
            sort,
            order,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum By {
        CreatedAt,
        Name,
    }

    impl SortField for By {
        const NAMES: &'static [&'static str] = &["created_at", "name"];
        const DEFAULT: Self = By::CreatedAt;
        fn default_order(self) -> SortOrder {
            match self {
                By::CreatedAt => SortOrder::Desc,
                By::Name => SortOrder::Asc,
            }
        }
        fn parse(name: &str) -> Option<Self> {
            match name {
                "created_at" | "createdAt" => Some(By::CreatedAt),
                "name" => Some(By::Name),
                _ => None,
            }
        }
    }

    fn request(page: u32, limit: u32, sort: &str, order: pb::SortOrder) -> pb::PageRequest {
        pb::PageRequest {
            page,
            limit,
            sort: sort.into(),
            order: order.into(),
        }
    }

    #[test]
    fn absent_request_means_first_page_of_ten_newest_first() {
        let page = Page::<By>::parse(None, PageLimits::default()).unwrap();
        assert_eq!(
            (page.page, page.limit, page.sort, page.order),
            (1, 10, By::CreatedAt, SortOrder::Desc)
        );
        assert_eq!(page.offset(), 0);
    }

    #[test]
    fn offset_follows_page_and_limit() {
        let r = request(3, 20, "name", pb::SortOrder::Unspecified);
        let page = Page::<By>::parse(Some(&r), PageLimits::default()).unwrap();
        assert_eq!((page.offset(), page.order), (40, SortOrder::Asc));
    }

    #[test]
    fn unknown_sort_and_huge_limit_are_named() {
        let r = request(1, 1000, "password; DROP TABLE users", pb::SortOrder::Asc);
        let ServiceError::Validation(violations) =
            Page::<By>::parse(Some(&r), PageLimits::default()).unwrap_err()
        else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(fields, ["limit", "sort"]);
    }
}
