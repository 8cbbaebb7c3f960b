//! How listings and search results may be sorted, and a page of results.

use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};
use shop_common::pagination::{SortField, SortOrder};
use xxhash_rust::xxh3::Xxh3Default;

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

/// One page of products and the size of the whole result, with the tag of that
/// content (stored as JSON without it; it is computed again when read back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "PageContent")]
pub struct ProductPage {
    products: Vec<Product>,
    total: u64,
    #[serde(skip_serializing)]
    tag: PageTag,
}

impl ProductPage {
    pub fn new(products: Vec<Product>, total: u64) -> Self {
        let tag = PageTag::of(&products, total);
        Self {
            products,
            total,
            tag,
        }
    }

    pub fn products(&self) -> &[Product] {
        &self.products
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Equal tags, equal pages: what a client that has the page sends back to learn
    /// whether it changed.
    pub fn tag(&self) -> PageTag {
        self.tag
    }
}

#[derive(Deserialize)]
struct PageContent {
    products: Vec<Product>,
    total: u64,
}

impl From<PageContent> for ProductPage {
    fn from(content: PageContent) -> Self {
        ProductPage::new(content.products, content.total)
    }
}

/// A 64-bit XXH3 digest of a page's content (fed by its `Hash`), the same in every
/// replica of one build; a replica of another build may compute other tags, which
/// only costs its callers a full answer. Two versions of one page sharing a tag is a
/// 2^-64 chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PageTag(u64);

impl PageTag {
    fn of(products: &[Product], total: u64) -> Self {
        let mut hasher = Xxh3Default::new();
        products.hash(&mut hasher);
        total.hash(&mut hasher);
        PageTag(hasher.finish())
    }
}

impl fmt::Display for PageTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use shop_common::money::Money;
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;
    use crate::domain::product::ProductId;

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

    fn vase(stock: i32) -> Product {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        Product {
            id: ProductId::generate(),
            name: "Vase".into(),
            description: String::new(),
            price: Money::from_cents(1250),
            stock,
            seller_id: Uuid::nil(),
            images: vec!["https://img.example/vase.png".into()],
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_page_keeps_its_tag_through_json_and_any_change_changes_it() {
        let product = vase(3);
        let page = ProductPage::new(vec![product.clone()], 1);
        let json = serde_json::to_value(&page).unwrap();
        assert_eq!(json.as_object().unwrap().len(), 2, "no tag stored: {json}");
        let back: ProductPage = serde_json::from_value(json).unwrap();
        assert_eq!(back.tag(), page.tag());
        assert_eq!(ProductPage::new(vec![product.clone()], 1).tag(), page.tag());

        let sold = Product {
            stock: 2,
            ..product.clone()
        };
        assert_ne!(ProductPage::new(vec![sold], 1).tag(), page.tag());
        assert_ne!(ProductPage::new(vec![product.clone()], 2).tag(), page.tag());
        assert_ne!(ProductPage::new(Vec::new(), 1).tag(), page.tag());
        let text = page.tag().to_string();
        assert_eq!(text.len(), 16);
        assert!(text.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn newest_first_and_best_match_first_by_default() {
        assert_eq!(ListSort::DEFAULT.default_order(), SortOrder::Desc);
        assert_eq!(ListSort::Name.default_order(), SortOrder::Asc);
        assert_eq!(SearchSort::DEFAULT.default_order(), SortOrder::Desc);
    }
}
