//! Payloads of the order-flow events (JSON, camelCase).
//!
//! Order events carry the customer's e-mail so notification needs no database.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::envelope::{EventPayload, EventType};
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLineItem {
    pub product_id: Uuid,
    pub quantity: u32,
    pub unit_price: Money,
}

/// orders → stock, notification: a pending order was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCreated {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub total_price: Money,
    pub items: Vec<OrderLineItem>,
}

/// stock → orders: every item of the order was reserved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockReserved {
    pub order_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortage {
    pub product_id: Uuid,
    pub requested: u32,
    pub available: u32,
}

/// stock → orders: the order could not be reserved; nothing was taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StockRejected {
    pub order_id: Uuid,
    pub reason: String,
    pub shortages: Vec<Shortage>,
}

/// orders → shipping, notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderConfirmed {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub total_price: Money,
}

/// orders → stock (release), notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderCancelled {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub reason: String,
}

/// shipping → orders, notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderShipped {
    pub order_id: Uuid,
    pub user_id: Uuid,
    pub user_email: String,
    pub tracking_number: String,
}

macro_rules! payload {
    ($type:ty, $event:expr) => {
        impl EventPayload for $type {
            const TYPE: EventType = $event;
            fn key(&self) -> String {
                self.order_id.to_string()
            }
        }
    };
}

payload!(OrderCreated, EventType::OrderCreated);
payload!(StockReserved, EventType::StockReserved);
payload!(StockRejected, EventType::StockRejected);
payload!(OrderConfirmed, EventType::OrderConfirmed);
payload!(OrderCancelled, EventType::OrderCancelled);
payload!(OrderShipped, EventType::OrderShipped);
