//! Orders as protobuf messages.

use shop_common::money::Money;
use shop_proto::orders::v1 as pb;
use time::OffsetDateTime;

use crate::domain::{Order, OrderItem};

pub fn timestamp(at: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or_default(),
    }
}

fn item_to_proto(item: &OrderItem) -> pb::OrderItem {
    let line_total = item
        .unit_price
        .checked_mul(item.quantity)
        .unwrap_or(Money::ZERO);
    pb::OrderItem {
        product_id: item.product_id.to_string(),
        name: item.name.clone(),
        unit_price: Some(item.unit_price.into()),
        quantity: item.quantity,
        line_total: Some(line_total.into()),
    }
}

pub fn order_to_proto(order: &Order) -> pb::Order {
    pb::Order {
        id: order.id.to_string(),
        user_id: order.user_id.to_string(),
        status: pb::OrderStatus::from(order.status).into(),
        total_price: Some(order.total.into()),
        items: order.items.iter().map(item_to_proto).collect(),
        cancel_reason: order.cancel_reason.clone(),
        shipment: order.shipment.as_ref().map(|s| pb::Shipment {
            tracking_number: s.tracking_number.clone(),
            shipped_at: Some(timestamp(s.shipped_at)),
        }),
        created_at: Some(timestamp(order.created_at)),
        confirmed_at: order.confirmed_at.map(timestamp),
        updated_at: Some(timestamp(order.updated_at)),
    }
}
