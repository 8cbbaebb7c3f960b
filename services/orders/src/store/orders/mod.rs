//! Orders and their items: writing an order, reading it, locking it for a change
//! (recording the event that causes it), and changing its status. Listings are in
//! [`listing`], the rows and their conversions in [`rows`].

mod listing;
mod rows;

use rust_decimal::Decimal;
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub use self::listing::{OrderSort, list};
use self::rows::{LockedRow, ORDER_COLUMNS, OrderItemRow, OrderRow};
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

/// The order's status, locked until the transaction ends (event handlers and admin
/// changes serialise on it).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<Order>, StoreError> {
    let row: Option<OrderRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| row.into_order(Vec::new())).transpose()
}

/// Records `event_id` as processed and locks the order, in one statement: the order
/// (none if it does not exist), and whether this is the event's first time. The record
/// is undone with the transaction, so an event whose handling fails is not marked.
pub async fn lock_for_event(
    conn: &mut PgConnection,
    id: Uuid,
    event_id: Uuid,
) -> Result<Option<(Order, bool)>, StoreError> {
    let row: Option<LockedRow> = sqlx::query_as(AssertSqlSafe(format!(
        "WITH recorded AS ( \
           INSERT INTO processed_events (event_id) VALUES ($2) \
           ON CONFLICT DO NOTHING RETURNING event_id \
         ) \
         SELECT {ORDER_COLUMNS}, EXISTS (SELECT 1 FROM recorded) AS first_time \
         FROM orders WHERE id = $1 FOR UPDATE"
    )))
    .bind(id)
    .bind(event_id)
    .fetch_optional(conn)
    .await?;
    row.map(|row| Ok((row.order.into_order(Vec::new())?, row.first_time)))
        .transpose()
}

/// A status change with what it records.
#[derive(Debug, Clone, Copy)]
pub enum StatusChange<'a> {
    Confirm,
    Cancel { reason: &'a str },
    Ship { tracking_number: &'a str },
    Deliver,
}

impl StatusChange<'_> {
    pub fn target(&self) -> OrderStatus {
        match self {
            StatusChange::Confirm => OrderStatus::Confirmed,
            StatusChange::Cancel { .. } => OrderStatus::Cancelled,
            StatusChange::Ship { .. } => OrderStatus::Shipped,
            StatusChange::Deliver => OrderStatus::Delivered,
        }
    }
}

/// Writes a status change (the caller checked it is legal, under the row lock) and
/// puts the event announcing it, if any, in the outbox: one statement, so a change
/// costs one round trip to the database.
pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    change: StatusChange<'_>,
    announcement: Option<&NewEvent>,
) -> Result<(), StoreError> {
    let (reason, tracking) = match change {
        StatusChange::Cancel { reason } => (Some(reason), None),
        StatusChange::Ship { tracking_number } => (None, Some(tracking_number)),
        StatusChange::Confirm | StatusChange::Deliver => (None, None),
    };
    sqlx::query(
        "WITH changed AS ( \
           UPDATE orders SET status = $2, \
             cancel_reason = COALESCE($3, cancel_reason), \
             tracking_number = COALESCE($4, tracking_number), \
             shipped_at = CASE WHEN $4::text IS NULL THEN shipped_at ELSE now() END, \
             confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END, \
             updated_at = now() \
           WHERE id = $1 RETURNING id \
         ) \
         INSERT INTO outbox (topic, key, payload) \
         SELECT $5, $6, $7::json FROM changed WHERE $5::text IS NOT NULL",
    )
    .bind(id)
    .bind(change.target().as_str())
    .bind(reason)
    .bind(tracking)
    .bind(announcement.map(|event| event.topic))
    .bind(announcement.map(|event| event.key.as_str()))
    .bind(announcement.map(|event| event.json.as_str()))
    .execute(conn)
    .await?;
    Ok(())
}
