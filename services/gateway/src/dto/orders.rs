//! Orders.

use serde::{Deserialize, Serialize};
use shop_common::money::Money;
use shop_proto::orders::v1 as pb;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::timestamp;

/// Where an order is in its life: `pending` → `confirmed` (stock reserved) →
/// `shipped` → `delivered`, or `cancelled`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Cancelled,
    Shipped,
    Delivered,
}

impl OrderStatus {
    fn from_proto(status: pb::OrderStatus) -> Option<Self> {
        match status {
            pb::OrderStatus::Pending => Some(OrderStatus::Pending),
            pb::OrderStatus::Confirmed => Some(OrderStatus::Confirmed),
            pb::OrderStatus::Cancelled => Some(OrderStatus::Cancelled),
            pb::OrderStatus::Shipped => Some(OrderStatus::Shipped),
            pb::OrderStatus::Delivered => Some(OrderStatus::Delivered),
            pb::OrderStatus::Unspecified => None,
        }
    }

    fn to_proto(self) -> pb::OrderStatus {
        match self {
            OrderStatus::Pending => pb::OrderStatus::Pending,
            OrderStatus::Confirmed => pb::OrderStatus::Confirmed,
            OrderStatus::Cancelled => pb::OrderStatus::Cancelled,
            OrderStatus::Shipped => pb::OrderStatus::Shipped,
            OrderStatus::Delivered => pb::OrderStatus::Delivered,
        }
    }
}

/// An order, with its items, status and shipment.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub user_id: String,
    /// Absent only if orders answered a status this gateway does not know.
    pub status: Option<OrderStatus>,
    #[schema(value_type = f64, example = 39.98)]
    pub total_price: Money,
    pub items: Vec<OrderItem>,
    /// Why it was cancelled.
    pub cancel_reason: Option<String>,
    /// Once shipped.
    pub shipment: Option<Shipment>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<OffsetDateTime>,
    /// When stock was reserved and the order confirmed; kept once it is shipped.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

/// A product of an order, at its price when the order was placed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderItem {
    pub product_id: String,
    pub name: String,
    #[schema(value_type = f64, example = 19.99)]
    pub unit_price: Money,
    pub quantity: u32,
    #[schema(value_type = f64, example = 39.98)]
    pub line_total: Money,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    pub tracking_number: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shipped_at: Option<OffsetDateTime>,
}

impl From<pb::Order> for Order {
    fn from(order: pb::Order) -> Self {
        let status = OrderStatus::from_proto(order.status());
        Self {
            id: order.id,
            user_id: order.user_id,
            status,
            total_price: order.total_price.unwrap_or_default().into(),
            items: order
                .items
                .into_iter()
                .map(|item| OrderItem {
                    product_id: item.product_id,
                    name: item.name,
                    unit_price: item.unit_price.unwrap_or_default().into(),
                    quantity: item.quantity,
                    line_total: item.line_total.unwrap_or_default().into(),
                })
                .collect(),
            cancel_reason: order.cancel_reason,
            shipment: order.shipment.map(|shipment| Shipment {
                tracking_number: shipment.tracking_number,
                shipped_at: timestamp(shipment.shipped_at),
            }),
            created_at: timestamp(order.created_at),
            confirmed_at: timestamp(order.confirmed_at),
            updated_at: timestamp(order.updated_at),
        }
    }
}

/// `POST /orders`: prices come from the catalog.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateOrderBody {
    /// 1 to 50 lines, one per product.
    #[schema(min_items = 1, max_items = 50)]
    pub products: Vec<OrderLineBody>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrderLineBody {
    #[schema(format = Uuid)]
    pub product_id: String,
    /// 1 to 999.
    #[schema(example = 2, minimum = 1, maximum = 999)]
    #[serde(deserialize_with = "super::whole::deserialize")]
    pub quantity: u32,
}

impl CreateOrderBody {
    pub fn into_lines(self) -> Vec<pb::OrderLine> {
        self.products
            .into_iter()
            .map(|line| pb::OrderLine {
                product_id: line.product_id,
                quantity: line.quantity,
            })
            .collect()
    }
}

/// `PATCH /orders/{id}/status`: administrators set `cancelled` (from pending or
/// confirmed) or `delivered` (from shipped); the order flow sets the rest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateStatusBody {
    pub status: OrderStatus,
    /// Kept with a cancellation.
    pub reason: Option<String>,
}

impl UpdateStatusBody {
    pub fn into_proto(
        self,
        id: String,
        actor: shop_proto::common::v1::Actor,
    ) -> pb::UpdateOrderStatusRequest {
        pb::UpdateOrderStatusRequest {
            id,
            status: self.status.to_proto().into(),
            reason: self.reason,
            actor: Some(actor),
        }
    }
}
