//! Stock reservations: an order asks for quantities of products, all or nothing.

use std::collections::BTreeMap;
use std::fmt;

use shop_common::error::FieldViolation;
use uuid::Uuid;

use super::product::ProductId;

/// Most distinct products one reservation may hold.
pub const MAX_ITEMS: usize = 100;

/// The id of the order a reservation belongs to; it is the reservation's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderId(Uuid);

impl OrderId {
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldViolation> {
        super::parse_uuid(field, raw).map(Self)
    }

    pub fn as_uuid(self) -> Uuid {
        self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One product and how many units of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservationItem {
    pub product_id: ProductId,
    /// At least 1.
    pub quantity: i32,
}

/// A validated reservation request. Its items are distinct products sorted by id:
/// every transaction locks product rows in that order, so concurrent multi-item
/// reservations never deadlock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationRequest {
    pub order_id: OrderId,
    items: Vec<ReservationItem>,
}

impl ReservationRequest {
    /// Validates a request given as `(product id, quantity)` lines; lines for the same
    /// product are added up.
    pub fn parse<'a>(
        order_id: &str,
        lines: impl IntoIterator<Item = (&'a str, i32)>,
    ) -> Result<Self, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let order_id = OrderId::parse("order_id", order_id)
            .map_err(|v| violations.push(v))
            .ok();
        let mut quantities: BTreeMap<ProductId, i32> = BTreeMap::new();
        for (i, (product_id, quantity)) in lines.into_iter().enumerate() {
            let product_id = ProductId::parse(&format!("items[{i}].product_id"), product_id)
                .map_err(|v| violations.push(v))
                .ok();
            if quantity < 1 {
                violations.push(FieldViolation::new(
                    format!("items[{i}].quantity"),
                    "must be at least 1",
                ));
                continue;
            }
            if let Some(product_id) = product_id {
                let total = quantities.entry(product_id).or_insert(0);
                match total.checked_add(quantity) {
                    Some(sum) => *total = sum,
                    None => violations.push(FieldViolation::new(
                        format!("items[{i}].quantity"),
                        "is too large",
                    )),
                }
            }
        }
        if quantities.is_empty() && violations.is_empty() {
            violations.push(FieldViolation::new("items", "must not be empty"));
        }
        if quantities.len() > MAX_ITEMS {
            violations.push(FieldViolation::new(
                "items",
                format!("at most {MAX_ITEMS} distinct products"),
            ));
        }
        match order_id {
            Some(order_id) if violations.is_empty() => Ok(Self {
                order_id,
                items: quantities
                    .into_iter()
                    .map(|(product_id, quantity)| ReservationItem {
                        product_id,
                        quantity,
                    })
                    .collect(),
            }),
            _ => Err(violations),
        }
    }

    /// The items, distinct and sorted by product id.
    pub fn items(&self) -> &[ReservationItem] {
        &self.items
    }
}

/// Why one item of a reservation could not be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortageReason {
    UnknownProduct,
    InsufficientStock,
}

impl ShortageReason {
    /// The value stored in `stock_reservation_shortages.reason`.
    pub fn as_str(self) -> &'static str {
        match self {
            ShortageReason::UnknownProduct => "unknown_product",
            ShortageReason::InsufficientStock => "insufficient_stock",
        }
    }

    pub fn parse(stored: &str) -> Option<Self> {
        match stored {
            "unknown_product" => Some(ShortageReason::UnknownProduct),
            "insufficient_stock" => Some(ShortageReason::InsufficientStock),
            _ => None,
        }
    }
}

/// One item that could not be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shortage {
    pub product_id: ProductId,
    pub requested: i32,
    /// Units in stock when the reservation was refused (0 for an unknown product).
    pub available: i32,
    pub reason: ShortageReason,
}

/// The answer to a reservation; the same for every call with the same order id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservationOutcome {
    /// Every item was taken from stock.
    Reserved,
    /// Nothing was taken, because of these items.
    Rejected(Vec<Shortage>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> String {
        Uuid::now_v7().to_string()
    }

    #[test]
    fn lines_for_one_product_are_added_up_and_sorted() {
        let (a, b) = (id(), id());
        let request =
            ReservationRequest::parse(&id(), [(b.as_str(), 1), (a.as_str(), 2), (b.as_str(), 3)])
                .unwrap();
        let items: Vec<_> = request
            .items()
            .iter()
            .map(|i| (i.product_id.to_string(), i.quantity))
            .collect();
        assert_eq!(items, [(a, 2), (b, 4)]);
    }

    #[test]
    fn every_bad_line_is_named() {
        let violations =
            ReservationRequest::parse("order-1", [("nope", 1), (id().as_str(), 0)]).unwrap_err();
        let fields: Vec<_> = violations.iter().map(|v| v.field.as_str()).collect();
        assert_eq!(
            fields,
            ["order_id", "items[0].product_id", "items[1].quantity"]
        );
    }

    #[test]
    fn an_empty_reservation_is_refused() {
        let violations = ReservationRequest::parse(&id(), []).unwrap_err();
        assert_eq!(violations[0].field, "items");
    }

    #[test]
    fn overflowing_quantities_are_refused() {
        let a = id();
        let result = ReservationRequest::parse(&id(), [(a.as_str(), i32::MAX), (a.as_str(), 1)]);
        assert_eq!(result.unwrap_err()[0].field, "items[1].quantity");
    }

    #[test]
    fn shortage_reasons_round_trip_through_storage() {
        for reason in [
            ShortageReason::UnknownProduct,
            ShortageReason::InsufficientStock,
        ] {
            assert_eq!(ShortageReason::parse(reason.as_str()), Some(reason));
        }
    }
}
