//! What a new order must satisfy, and its price.

use std::collections::HashSet;

use shop_common::error::FieldViolation;
use shop_common::money::{Money, MoneyError};
use uuid::Uuid;

/// At most this many lines per order.
pub const MAX_LINES: usize = 50;
/// At most this many units per line.
pub const MAX_QUANTITY: u32 = 999;

/// A quantity of 1..=999 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quantity(u32);

impl Quantity {
    pub fn new(units: u32) -> Option<Self> {
        (1..=MAX_QUANTITY).contains(&units).then_some(Self(units))
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

/// One line as the customer asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderLine {
    pub product_id: Uuid,
    pub quantity: Quantity,
}

/// A validated order request: 1..=50 lines, one per product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub lines: Vec<OrderLine>,
}

impl NewOrder {
    /// Validates raw `(product id, quantity)` lines, naming every bad field.
    pub fn parse(raw: &[(String, u32)]) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        if raw.is_empty() {
            violations.push(FieldViolation::new(
                "products",
                "an order needs at least one line",
            ));
        }
        if raw.len() > MAX_LINES {
            violations.push(FieldViolation::new(
                "products",
                format!("an order has at most {MAX_LINES} lines"),
            ));
        }
        let mut seen = HashSet::new();
        let mut lines = Vec::with_capacity(raw.len());
        for (index, (product_id, quantity)) in raw.iter().enumerate() {
            let product = product_id.trim().parse::<Uuid>();
            let quantity = Quantity::new(*quantity);
            if product.is_err() {
                violations.push(FieldViolation::new(
                    format!("products[{index}].productId"),
                    "must be a product id (UUID)",
                ));
            }
            if quantity.is_none() {
                violations.push(FieldViolation::new(
                    format!("products[{index}].quantity"),
                    format!("must be between 1 and {MAX_QUANTITY}"),
                ));
            }
            if let (Ok(product_id), Some(quantity)) = (product, quantity) {
                if !seen.insert(product_id) {
                    violations.push(FieldViolation::new(
                        format!("products[{index}].productId"),
                        "appears twice; put the whole quantity on one line",
                    ));
                }
                lines.push(OrderLine {
                    product_id,
                    quantity,
                });
            }
        }
        if violations.is_empty() {
            Ok(Self { lines })
        } else {
            Err(violations)
        }
    }

    pub fn product_ids(&self) -> Vec<Uuid> {
        self.lines.iter().map(|l| l.product_id).collect()
    }

    /// Prices the order with the catalog's current names and prices.
    pub fn price(
        &self,
        catalog: impl Fn(Uuid) -> Option<(String, Money)>,
    ) -> Result<PricedOrder, PricingError> {
        let mut lines = Vec::with_capacity(self.lines.len());
        let mut missing = Vec::new();
        for line in &self.lines {
            match catalog(line.product_id) {
                Some((name, unit_price)) => lines.push(PricedLine {
                    product_id: line.product_id,
                    name,
                    unit_price,
                    quantity: line.quantity,
                }),
                None => missing.push(line.product_id),
            }
        }
        if !missing.is_empty() {
            return Err(PricingError::UnknownProducts(missing));
        }
        let total = Money::sum(
            lines
                .iter()
                .map(PricedLine::total)
                .collect::<Result<Vec<_>, _>>()?,
        )?;
        Ok(PricedOrder { lines, total })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PricingError {
    #[error("unknown products: {}", .0.iter().map(Uuid::to_string).collect::<Vec<_>>().join(", "))]
    UnknownProducts(Vec<Uuid>),
    #[error("the order total is too large")]
    Money(#[from] MoneyError),
}

/// A line with the name and unit price captured at order time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    pub product_id: Uuid,
    pub name: String,
    pub unit_price: Money,
    pub quantity: Quantity,
}

impl PricedLine {
    pub fn total(&self) -> Result<Money, MoneyError> {
        self.unit_price.checked_mul(self.quantity.get())
    }
}

/// An order ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedOrder {
    pub lines: Vec<PricedLine>,
    pub total: Money,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn raw(lines: &[(Uuid, u32)]) -> Vec<(String, u32)> {
        lines.iter().map(|(p, q)| (p.to_string(), *q)).collect()
    }

    fn fields(violations: Vec<FieldViolation>) -> Vec<String> {
        violations.into_iter().map(|v| v.field).collect()
    }

    #[test]
    fn an_order_needs_a_line() {
        assert_eq!(fields(NewOrder::parse(&[]).unwrap_err()), ["products"]);
    }

    #[test]
    fn at_most_fifty_lines() {
        let lines: Vec<_> = (0..51).map(|n| (id(n), 1)).collect();
        assert_eq!(
            fields(NewOrder::parse(&raw(&lines)).unwrap_err()),
            ["products"]
        );
        assert!(NewOrder::parse(&raw(&lines[..50])).is_ok());
    }

    #[test]
    fn quantity_is_one_to_999() {
        let err = NewOrder::parse(&raw(&[(id(1), 0), (id(2), 1000)])).unwrap_err();
        assert_eq!(
            fields(err),
            ["products[0].quantity", "products[1].quantity"]
        );
        assert!(NewOrder::parse(&raw(&[(id(1), 999)])).is_ok());
    }

    #[test]
    fn a_product_appears_once() {
        let err = NewOrder::parse(&raw(&[(id(1), 1), (id(1), 2)])).unwrap_err();
        assert_eq!(fields(err), ["products[1].productId"]);
    }

    #[test]
    fn product_ids_are_uuids() {
        let err = NewOrder::parse(&[("'; DROP TABLE orders; --".into(), 1)]).unwrap_err();
        assert_eq!(fields(err), ["products[0].productId"]);
    }

    #[test]
    fn pricing_is_exact_and_names_unknown_products() {
        let order = NewOrder::parse(&raw(&[(id(1), 3), (id(2), 1)])).unwrap();
        let priced = order
            .price(|p| {
                (p == id(1))
                    .then(|| ("Book".to_owned(), Money::from_cents(1999)))
                    .or((p == id(2)).then(|| ("Pen".to_owned(), Money::from_cents(1))))
            })
            .unwrap();
        assert_eq!(priced.total, Money::from_cents(5998));
        assert_eq!(priced.lines[0].name, "Book");

        let unknown =
            order.price(|p| (p == id(1)).then(|| ("Book".to_owned(), Money::from_cents(1))));
        assert_eq!(unknown, Err(PricingError::UnknownProducts(vec![id(2)])));
    }
}
