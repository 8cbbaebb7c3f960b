//! A product of the catalog, and the rules a new product or a change must follow.

mod fields;

use std::fmt;

use serde::{Deserialize, Serialize};
use shop_common::error::FieldViolation;
use shop_common::money::Money;
use time::OffsetDateTime;
use uuid::Uuid;

pub use fields::{MAX_DESCRIPTION_CHARS, MAX_IMAGES, MAX_NAME_CHARS, MAX_PRICE, MAX_URL_LEN};
use fields::{
    check, check_all, parse_description, parse_images, parse_name, parse_price, parse_stock,
};

/// The id of a product (a UUID v7, so ids sort by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ProductId(Uuid);

impl ProductId {
    /// A fresh id for a new product.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    /// Parses the id in request field `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldViolation> {
        super::parse_uuid(field, raw).map(Self)
    }

    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl From<Uuid> for ProductId {
    fn from(id: Uuid) -> Self {
        Self(id)
    }
}

impl fmt::Display for ProductId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A product as stored: what every read returns and what the cache holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Product {
    pub id: ProductId,
    pub name: String,
    pub description: String,
    pub price: Money,
    /// Units in stock; never negative (a database constraint keeps it so).
    pub stock: i32,
    /// The user who created the product.
    pub seller_id: Uuid,
    /// Image URLs in display order.
    pub images: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// A validated new product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProduct {
    pub name: String,
    pub description: String,
    pub price: Money,
    pub stock: i32,
    pub images: Vec<String>,
}

/// The fields of a create request, as received.
#[derive(Debug, Clone, Default)]
pub struct NewProductFields {
    pub name: String,
    pub description: Option<String>,
    pub price: Option<Money>,
    pub stock: i32,
    pub images: Vec<String>,
}

impl NewProduct {
    /// Validates every field, reporting all invalid ones.
    pub fn parse(fields: NewProductFields) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let name = check(parse_name(&fields.name), &mut violations);
        let description = check(
            parse_description(fields.description.as_deref().unwrap_or_default()),
            &mut violations,
        );
        let price = match fields.price {
            Some(price) => check(parse_price(price), &mut violations),
            None => {
                violations.push(FieldViolation::new("price", "is required"));
                None
            }
        };
        let stock = check(parse_stock(fields.stock), &mut violations);
        let images = check_all(parse_images(&fields.images), &mut violations);
        match (name, description, price, stock, images) {
            (Some(name), Some(description), Some(price), Some(stock), Some(images))
                if violations.is_empty() =>
            {
                Ok(Self {
                    name,
                    description,
                    price,
                    stock,
                    images,
                })
            }
            _ => Err(violations),
        }
    }
}

/// A validated partial update: `None` leaves a field as it is; `images`, when present,
/// replaces the whole list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Money>,
    pub stock: Option<i32>,
    pub images: Option<Vec<String>>,
}

/// The fields of an update request, as received.
#[derive(Debug, Clone, Default)]
pub struct ProductChangeFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub price: Option<Money>,
    pub stock: Option<i32>,
    pub images: Option<Vec<String>>,
}

impl ProductChanges {
    /// Validates the fields that are present, reporting all invalid ones.
    pub fn parse(fields: ProductChangeFields) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let changes = Self {
            name: fields
                .name
                .and_then(|n| check(parse_name(&n), &mut violations)),
            description: fields
                .description
                .and_then(|d| check(parse_description(&d), &mut violations)),
            price: fields
                .price
                .and_then(|p| check(parse_price(p), &mut violations)),
            stock: fields
                .stock
                .and_then(|s| check(parse_stock(s), &mut violations)),
            images: fields
                .images
                .and_then(|i| check_all(parse_images(&i), &mut violations)),
        };
        if violations.is_empty() {
            Ok(changes)
        } else {
            Err(violations)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> NewProductFields {
        NewProductFields {
            name: "  Rust in Action ".into(),
            description: Some("A book".into()),
            price: Some(Money::from_cents(3999)),
            stock: 5,
            images: vec!["https://img.example/a.png".into()],
        }
    }

    fn field_names(violations: &[FieldViolation]) -> Vec<&str> {
        violations.iter().map(|v| v.field.as_str()).collect()
    }

    #[test]
    fn valid_product_is_trimmed() {
        let product = NewProduct::parse(fields()).unwrap();
        assert_eq!(product.name, "Rust in Action");
        assert_eq!(product.price.cents(), 3999);
    }

    #[test]
    fn every_invalid_field_is_reported() {
        let violations = NewProduct::parse(NewProductFields {
            name: "   ".into(),
            description: None,
            price: Some(Money::from_cents(-1)),
            stock: -3,
            images: vec!["ftp://files.example/a.png".into(), "not a url".into()],
        })
        .unwrap_err();
        assert_eq!(
            field_names(&violations),
            ["name", "price", "stock", "images[0]", "images[1]"]
        );
    }

    #[test]
    fn price_is_required_and_bounded() {
        let missing = NewProduct::parse(NewProductFields {
            price: None,
            ..fields()
        });
        assert_eq!(field_names(&missing.unwrap_err()), ["price"]);
        let too_high = NewProduct::parse(NewProductFields {
            price: Some(Money::from_cents(MAX_PRICE.cents() + 1)),
            ..fields()
        });
        assert_eq!(field_names(&too_high.unwrap_err()), ["price"]);
        let free = NewProduct::parse(NewProductFields {
            price: Some(Money::ZERO),
            ..fields()
        });
        assert!(free.is_ok());
    }

    #[test]
    fn overlong_name_is_refused() {
        let violations = NewProduct::parse(NewProductFields {
            name: "x".repeat(MAX_NAME_CHARS + 1),
            ..fields()
        })
        .unwrap_err();
        assert_eq!(field_names(&violations), ["name"]);
    }

    #[test]
    fn changes_validate_only_present_fields() {
        let changes = ProductChanges::parse(ProductChangeFields {
            stock: Some(0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(changes.stock, Some(0));
        assert_eq!(changes.name, None);

        let violations = ProductChanges::parse(ProductChangeFields {
            name: Some(String::new()),
            images: Some(vec!["javascript:alert(1)".into()]),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(field_names(&violations), ["name", "images[0]"]);
    }

    #[test]
    fn too_many_images_is_one_violation() {
        let violations = NewProduct::parse(NewProductFields {
            images: vec!["https://img.example/a.png".into(); MAX_IMAGES + 1],
            ..fields()
        })
        .unwrap_err();
        assert_eq!(field_names(&violations), ["images"]);
    }

    #[test]
    fn product_ids_must_be_uuids() {
        assert!(ProductId::parse("id", "1 OR 1=1").is_err());
        let id = ProductId::generate();
        assert_eq!(ProductId::parse("id", &id.to_string()).unwrap(), id);
    }
}
