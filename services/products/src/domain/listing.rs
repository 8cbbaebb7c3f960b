//! How listings and search results may be sorted, and a page of results.

use serde::{Deserialize, Serialize};
use shop_common::pagination::{SortField, SortOrder};

use super::product::Product;

/// Sort fields of `ListProducts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListSort {
    CreatedAt,
    Name,
    Price,
}

impl ListSort {
    /// The name used in cache keys (and accepted in requests).
    pub fn name(self) -> &'static str {
        match self {
            ListSort::CreatedAt => "created_at",
            ListSort::Name => "name",
            ListSort::Price => "price",
        }
    }
}

impl SortField for ListSort {
    const NAMES: &'static [&'static str] = &["created_at", "name", "price"];
    const DEFAULT: Self = ListSort::CreatedAt;

    fn default_order(self) -> SortOrder {
        match self {
            ListSort::CreatedAt => SortOrder::Desc,
            ListSort::Name | ListSort::Price => SortOrder::Asc,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "created_at" | "createdAt" => Some(ListSort::CreatedAt),
            "name" => Some(ListSort::Name),
            "price" => Some(ListSort::Price),
            _ => None,
        }
    }
}

/// Sort fields of `SearchProducts`: relevance (default, best first) or a listing field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchSort {
    Relevance,
    Field(ListSort),
}

impl SearchSort {
    /// The name used in cache keys (and accepted in requests).
    pub fn name(self) -> &'static str {
        match self {
            SearchSort::Relevance => "relevance",
            SearchSort::Field(field) => field.name(),
        }
    }
}

impl SortField for SearchSort {
    const NAMES: &'static [&'static str] = &["relevance", "created_at", "name", "price"];
    const DEFAULT: Self = SearchSort::Relevance;

    fn default_order(self) -> SortOrder {
        match self {
            SearchSort::Relevance => SortOrder::Desc,
            SearchSort::Field(field) => field.default_order(),
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "relevance" => Some(SearchSort::Relevance),
            other => ListSort::parse(other).map(SearchSort::Field),
        }
    }
}

/// One page of products and the size of the whole result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductPage {
    pub products: Vec<Product>,
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_to_their_field() {
        for sort in [ListSort::CreatedAt, ListSort::Name, ListSort::Price] {
            assert_eq!(ListSort::parse(sort.name()), Some(sort));
            assert_eq!(
                SearchSort::parse(sort.name()),
                Some(SearchSort::Field(sort))
            );
        }
        assert_eq!(SearchSort::parse("relevance"), Some(SearchSort::Relevance));
        assert_eq!(ListSort::parse("relevance"), None);
        assert_eq!(ListSort::parse("price; DROP TABLE products"), None);
    }

    #[test]
    fn newest_first_and_best_match_first_by_default() {
        assert_eq!(ListSort::DEFAULT.default_order(), SortOrder::Desc);
        assert_eq!(ListSort::Name.default_order(), SortOrder::Asc);
        assert_eq!(SearchSort::DEFAULT.default_order(), SortOrder::Desc);
    }
}
