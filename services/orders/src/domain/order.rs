//! An order as stored and shown.

use shop_common::money::Money;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{OrderStatus, PricedLine};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub status: OrderStatus,
    pub total: Money,
    pub cancel_reason: Option<String>,
    pub shipment: Option<Shipment>,
    pub items: Vec<OrderItem>,
    pub created_at: OffsetDateTime,
    /// When it was confirmed; kept once it is shipped or delivered.
    pub confirmed_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderItem {
    pub product_id: Uuid,
    pub name: String,
    pub unit_price: Money,
    pub quantity: u32,
}

impl From<&PricedLine> for OrderItem {
    fn from(line: &PricedLine) -> Self {
        Self {
            product_id: line.product_id,
            name: line.name.clone(),
            unit_price: line.unit_price,
            quantity: line.quantity.get(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shipment {
    pub tracking_number: String,
    pub shipped_at: OffsetDateTime,
}
