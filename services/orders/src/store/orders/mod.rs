//! Orders and their items: writing an order and reading it. Status changes are in
//! [`status`], listings in [`listing`], the rows and their conversions in [`rows`].

mod listing;
mod rows;
mod status;

use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub use self::listing::{OrderSort, list};
use self::rows::{ORDER_COLUMNS, OrderItemRow};
pub use self::status::{StatusChange, change_for_event, lock, lock_for_event, set_status};
use super::StoreError;
use super::outbox::NewEvent;
use crate::domain::{Order, OrderItem, OrderStatus, PricedOrder};

/// Who placed an order.
#[derive(Debug, Clone, Copy)]
pub struct Customer<'a> {
    pub user_id: Uuid,
    pub email: &'a str,
}

/// Inserts a pending order, its items and the event announcing it, in one statement
/// (one round trip, atomic without a transaction around it), and returns the order as
/// written (no second read); `None` when the customer already placed an order under
/// `idempotency_key` (nothing is written then).
pub async fn insert(
    pool: &PgPool,
    id: Uuid,
    customer: Customer<'_>,
    order: &PricedOrder,
    idempotency_key: Option<&str>,
    announcement: &NewEvent,
) -> Result<Option<Order>, StoreError> {
    let positions: Vec<i32> = (0..).take(order.lines.len()).collect();
    let products: Vec<Uuid> = order.lines.iter().map(|l| l.product_id).collect();
    let names: Vec<&str> = order.lines.iter().map(|l| l.name.as_str()).collect();
    let prices: Vec<Decimal> = order
        .lines
        .iter()
        .map(|l| l.unit_price.to_decimal())
        .collect();
    let quantities: Vec<i32> = order
        .lines
        .iter()
        .map(|l| i32::try_from(l.quantity.get()).unwrap_or(i32::MAX))
        .collect();
    let inserted: Option<(OffsetDateTime, OffsetDateTime)> = sqlx::query_as(
        "WITH placed AS ( \
           INSERT INTO orders (id, user_id, user_email, status, total_price, idempotency_key) \
           VALUES ($1, $2, $3, 'pending', $4, $5) \
           ON CONFLICT ON CONSTRAINT orders_idempotency_key DO NOTHING \
           RETURNING id, created_at, updated_at \
         ), items AS ( \
           INSERT INTO order_items (order_id, position, product_id, name, unit_price, quantity) \
           SELECT placed.id, t.* FROM placed, \
             UNNEST($6::int[], $7::uuid[], $8::text[], $9::numeric[], $10::int[]) AS t \
         ), announced AS ( \
           INSERT INTO outbox (topic, key, payload) SELECT $11, $12, $13::json FROM placed \
         ) \
         SELECT created_at, updated_at FROM placed",
    )
    .bind(id)
    .bind(customer.user_id)
    .bind(customer.email)
    .bind(order.total.to_decimal())
    .bind(idempotency_key)
    .bind(positions)
    .bind(products)
    .bind(names)
    .bind(prices)
    .bind(quantities)
    .bind(announcement.topic)
    .bind(&announcement.key)
    .bind(&announcement.json)
    .fetch_optional(pool)
    .await?;
    let Some((created_at, updated_at)) = inserted else {
        return Ok(None);
    };
    Ok(Some(Order {
        id,
        user_id: customer.user_id,
        user_email: customer.email.to_owned(),
        status: OrderStatus::Pending,
        total: order.total,
        cancel_reason: None,
        shipment: None,
        items: order.lines.iter().map(OrderItem::from).collect(),
        created_at,
        confirmed_at: None,
        updated_at,
    }))
}

/// The order a customer placed under an idempotency key.
pub async fn find_by_idempotency_key(
    pool: &PgPool,
    user_id: Uuid,
    key: &str,
) -> Result<Option<Order>, StoreError> {
    let id: Option<Uuid> =
        sqlx::query_scalar("SELECT id FROM orders WHERE user_id = $1 AND idempotency_key = $2")
            .bind(user_id)
            .bind(key)
            .fetch_optional(pool)
            .await?;
    match id {
        Some(id) => get(pool, id).await,
        None => Ok(None),
    }
}

/// One order with its items, in one query (polled by every client waiting for its
/// order's confirmation).
pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<Order>, StoreError> {
    let rows: Vec<OrderItemRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT o.*, i.product_id, i.name, i.unit_price, i.quantity \
         FROM (SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1) o \
         LEFT JOIN order_items i ON i.order_id = o.id ORDER BY i.position"
    )))
    .bind(id)
    .fetch_all(pool)
    .await?;
    let mut order = None;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let (order_row, item) = row.split();
        if let Some(item) = item {
            items.push(item?);
        }
        order.get_or_insert(order_row);
    }
    order.map(|row| row.into_order(items)).transpose()
}
