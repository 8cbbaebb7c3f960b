//! The rows the orders queries read, and how they become domain values.

use rust_decimal::Decimal;
use shop_common::money::Money;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Order, OrderItem, Shipment};
use crate::store::StoreError;

#[derive(sqlx::FromRow)]
pub(super) struct OrderRow {
    pub(super) id: Uuid,
    user_id: Uuid,
    user_email: String,
    status: String,
    total_price: Decimal,
    cancel_reason: Option<String>,
    tracking_number: Option<String>,
    shipped_at: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
    confirmed_at: Option<OffsetDateTime>,
    updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(super) struct ItemRow {
    pub(super) order_id: Uuid,
    product_id: Uuid,
    name: String,
    unit_price: Decimal,
    quantity: i32,
}

/// An order's row joined with one of its items (none for an order without items).
#[derive(sqlx::FromRow)]
pub(super) struct OrderItemRow {
    #[sqlx(flatten)]
    order: OrderRow,
    product_id: Option<Uuid>,
    name: Option<String>,
    unit_price: Option<Decimal>,
    quantity: Option<i32>,
}

impl OrderItemRow {
    /// The order's row, and the item on this row if there is one.
    pub(super) fn split(self) -> (OrderRow, Option<Result<OrderItem, StoreError>>) {
        let item = match (self.product_id, self.name, self.unit_price, self.quantity) {
            (Some(product_id), Some(name), Some(unit_price), Some(quantity)) => Some(
                ItemRow {
                    order_id: self.order.id,
                    product_id,
                    name,
                    unit_price,
                    quantity,
                }
                .into_item(),
            ),
            _ => None,
        };
        (self.order, item)
    }
}

pub(super) const ORDER_COLUMNS: &str = "id, user_id, user_email, status, total_price, cancel_reason, \
                             tracking_number, shipped_at, created_at, confirmed_at, updated_at";

fn money(value: Decimal) -> Result<Money, StoreError> {
    Money::from_decimal(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl OrderRow {
    pub(super) fn into_order(self, items: Vec<OrderItem>) -> Result<Order, StoreError> {
        let shipment = match (self.tracking_number, self.shipped_at) {
            (Some(tracking_number), Some(shipped_at)) => Some(Shipment {
                tracking_number,
                shipped_at,
            }),
            _ => None,
        };
        Ok(Order {
            id: self.id,
            user_id: self.user_id,
            user_email: self.user_email,
            status: self
                .status
                .parse()
                .map_err(|e: crate::domain::UnknownStatus| StoreError::Corrupt(e.to_string()))?,
            total: money(self.total_price)?,
            cancel_reason: self.cancel_reason,
            shipment,
            items,
            created_at: self.created_at,
            confirmed_at: self.confirmed_at,
            updated_at: self.updated_at,
        })
    }
}

impl ItemRow {
    pub(super) fn into_item(self) -> Result<OrderItem, StoreError> {
        Ok(OrderItem {
            product_id: self.product_id,
            name: self.name,
            unit_price: money(self.unit_price)?,
            quantity: u32::try_from(self.quantity)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        })
    }
}

/// An order's row with whether the event that locked it was new.
#[derive(sqlx::FromRow)]
pub(super) struct LockedRow {
    #[sqlx(flatten)]
    pub(super) order: OrderRow,
    pub(super) first_time: bool,
}
