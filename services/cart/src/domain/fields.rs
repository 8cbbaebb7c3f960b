//! Validated values of a cart: each parsed once at the gRPC edge (or when a stored
//! document is read back), so a value that exists inside the service is valid.

use std::fmt;

use shop_common::money::Money;
use uuid::Uuid;

/// Most units of one product a cart line holds.
pub const MAX_QUANTITY: u32 = 999;
/// Longest accepted product name, in characters (as the products service allows).
pub const MAX_NAME_CHARS: usize = 200;
/// Highest accepted unit price (as the products service allows). With at most
/// [`MAX_QUANTITY`] units and [`crate::domain::MAX_LINES`] lines, no cart total can
/// overflow.
pub const MAX_PRICE: Money = Money::from_cents(999_999_999_999);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid id (expected a UUID)")]
pub struct InvalidId;

/// Declares a UUID id type. Ids are kept in their canonical form (lowercase,
/// hyphenated), so `ABC…` and `abc…` name the same cart or line, and a filter built
/// from one can never be anything but a plain string.
macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(Uuid);

        impl $name {
            pub fn parse(raw: &str) -> Result<Self, InvalidId> {
                Uuid::parse_str(raw.trim()).map(Self).map_err(|_| InvalidId)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
    };
}

uuid_id!(
    /// The user a cart belongs to.
    UserId
);
uuid_id!(
    /// A product in the catalogue.
    ProductId
);

/// Units of one product in a cart line: 1 to [`MAX_QUANTITY`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be between 1 and {MAX_QUANTITY}")]
pub struct InvalidQuantity;

impl Quantity {
    pub fn new(units: u32) -> Result<Self, InvalidQuantity> {
        if (1..=MAX_QUANTITY).contains(&units) {
            Ok(Self(units))
        } else {
            Err(InvalidQuantity)
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// The sum, if it still fits in one line.
    pub fn checked_add(self, other: Quantity) -> Option<Quantity> {
        Quantity::new(self.0 + other.0).ok()
    }
}

/// A product's name as shown in the cart: trimmed, 1 to [`MAX_NAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductName(String);

/// Why a name was refused (shared with every text field of the platform).
pub use shop_common::text::TextError as InvalidName;

impl ProductName {
    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        shop_common::text::required(raw, MAX_NAME_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A unit price: 0 to [`MAX_PRICE`], exact in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price(Money);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidPrice {
    #[error("is required")]
    Missing,
    #[error("must not be negative")]
    Negative,
    #[error("must be at most {MAX_PRICE}")]
    TooHigh,
}

impl Price {
    pub fn new(amount: Money) -> Result<Self, InvalidPrice> {
        if amount.is_negative() {
            Err(InvalidPrice::Negative)
        } else if amount > MAX_PRICE {
            Err(InvalidPrice::TooHigh)
        } else {
            Ok(Self(amount))
        }
    }

    pub fn money(self) -> Money {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_uuids_in_canonical_form() {
        let id = ProductId::parse(" 0190A6B2-7C3D-7E4F-8A9B-0C1D2E3F4A5B ").unwrap();
        assert_eq!(id.to_string(), "0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b");
        assert_eq!(
            UserId::parse("0190a6b27c3d7e4f8a9b0c1d2e3f4a5b")
                .unwrap()
                .to_string(),
            "0190a6b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b"
        );
    }

    #[test]
    fn operator_looking_ids_are_refused() {
        for raw in [r#"{"$gt": ""}"#, "$ne", "", "not-a-uuid"] {
            assert_eq!(UserId::parse(raw), Err(InvalidId), "{raw}");
        }
    }

    #[test]
    fn quantity_is_one_to_nine_hundred_ninety_nine() {
        assert_eq!(Quantity::new(0), Err(InvalidQuantity));
        assert_eq!(Quantity::new(1).unwrap().get(), 1);
        assert_eq!(Quantity::new(999).unwrap().get(), 999);
        assert_eq!(Quantity::new(1000), Err(InvalidQuantity));
    }

    #[test]
    fn quantities_add_up_to_the_line_limit() {
        let q = |n| Quantity::new(n).unwrap();
        assert_eq!(q(998).checked_add(q(1)), Some(q(999)));
        assert_eq!(q(999).checked_add(q(1)), None);
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(ProductName::parse("  Mug ").unwrap().as_str(), "Mug");
        assert_eq!(ProductName::parse("   "), Err(InvalidName::Empty));
        assert!(ProductName::parse(&"é".repeat(MAX_NAME_CHARS)).is_ok());
        assert_eq!(
            ProductName::parse(&"é".repeat(MAX_NAME_CHARS + 1)),
            Err(InvalidName::TooLong {
                max: MAX_NAME_CHARS
            })
        );
    }

    #[test]
    fn prices_are_zero_to_the_catalogue_maximum() {
        assert!(Price::new(Money::ZERO).is_ok());
        assert_eq!(
            Price::new(Money::from_cents(-1)),
            Err(InvalidPrice::Negative)
        );
        assert!(Price::new(MAX_PRICE).is_ok());
        assert_eq!(
            Price::new(Money::from_cents(MAX_PRICE.cents() + 1)),
            Err(InvalidPrice::TooHigh)
        );
    }
}
