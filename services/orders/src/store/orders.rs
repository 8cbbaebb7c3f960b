//! Orders and their items.

use std::collections::HashMap;

use rust_decimal::Decimal;
use shop_common::money::Money;
use shop_common::pagination::{Page, SortField, SortOrder};
use sqlx::{AssertSqlSafe, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreError;
use super::outbox::NewEvent;
use crate::domain::{Order, OrderItem, OrderStatus, PricedOrder, Shipment};

/// Sortable fields of an order listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderSort {
    CreatedAt,
    TotalPrice,
    Status,
}

impl OrderSort {
    fn column(self) -> &'static str {
        match self {
            OrderSort::CreatedAt => "created_at",
            OrderSort::TotalPrice => "total_price",
            OrderSort::Status => "status",
        }
    }
}

impl SortField for OrderSort {
    const NAMES: &'static [&'static str] = &["created_at", "total_price", "status"];
    const DEFAULT: Self = OrderSort::CreatedAt;

    fn default_order(self) -> SortOrder {
        match self {
            OrderSort::CreatedAt | OrderSort::TotalPrice => SortOrder::Desc,
            OrderSort::Status => SortOrder::Asc,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "created_at" | "createdAt" => Some(OrderSort::CreatedAt),
            "total_price" | "totalPrice" => Some(OrderSort::TotalPrice),
            "status" => Some(OrderSort::Status),
            _ => None,
        }
    }
}

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

#[derive(sqlx::FromRow)]
struct OrderRow {
    id: Uuid,
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
struct ItemRow {
    order_id: Uuid,
    product_id: Uuid,
    name: String,
    unit_price: Decimal,
    quantity: i32,
}

/// An order's row joined with one of its items (none for an order without items).
#[derive(sqlx::FromRow)]
struct OrderItemRow {
    #[sqlx(flatten)]
    order: OrderRow,
    product_id: Option<Uuid>,
    name: Option<String>,
    unit_price: Option<Decimal>,
    quantity: Option<i32>,
}

impl OrderItemRow {
    /// The order's row, and the item on this row if there is one.
    fn split(self) -> (OrderRow, Option<Result<OrderItem, StoreError>>) {
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

const ORDER_COLUMNS: &str = "id, user_id, user_email, status, total_price, cancel_reason, \
                             tracking_number, shipped_at, created_at, confirmed_at, updated_at";

fn money(value: Decimal) -> Result<Money, StoreError> {
    Money::from_decimal(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl OrderRow {
    fn into_order(self, items: Vec<OrderItem>) -> Result<Order, StoreError> {
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
    fn into_item(self) -> Result<OrderItem, StoreError> {
        Ok(OrderItem {
            product_id: self.product_id,
            name: self.name,
            unit_price: money(self.unit_price)?,
            quantity: u32::try_from(self.quantity)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        })
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

/// An order's row with whether the event that locked it was new.
#[derive(sqlx::FromRow)]
struct LockedRow {
    #[sqlx(flatten)]
    order: OrderRow,
    first_time: bool,
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

/// Writes a status change (the caller checked it is legal, under the row lock).
pub async fn set_status(
    conn: &mut PgConnection,
    id: Uuid,
    change: StatusChange<'_>,
) -> Result<(), StoreError> {
    let (reason, tracking) = match change {
        StatusChange::Cancel { reason } => (Some(reason), None),
        StatusChange::Ship { tracking_number } => (None, Some(tracking_number)),
        StatusChange::Confirm | StatusChange::Deliver => (None, None),
    };
    sqlx::query(
        "UPDATE orders SET status = $2, \
           cancel_reason = COALESCE($3, cancel_reason), \
           tracking_number = COALESCE($4, tracking_number), \
           shipped_at = CASE WHEN $4::text IS NULL THEN shipped_at ELSE now() END, \
           confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END, \
           updated_at = now() \
         WHERE id = $1",
    )
    .bind(id)
    .bind(change.target().as_str())
    .bind(reason)
    .bind(tracking)
    .execute(conn)
    .await?;
    Ok(())
}

/// A page of orders, all or one customer's, with the total count.
pub async fn list(
    pool: &PgPool,
    owner: Option<Uuid>,
    page: &Page<OrderSort>,
) -> Result<(Vec<Order>, u64), StoreError> {
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM orders WHERE ($1::uuid IS NULL OR user_id = $1)")
            .bind(owner)
            .fetch_one(pool)
            .await?;
    // The column and direction come from validated enums, never from the request text.
    let sql = format!(
        "SELECT {ORDER_COLUMNS} FROM orders WHERE ($1::uuid IS NULL OR user_id = $1) \
         ORDER BY {column} {dir}, id {dir} LIMIT $2 OFFSET $3",
        column = page.sort.column(),
        dir = page.order.sql(),
    );
    let rows: Vec<OrderRow> = sqlx::query_as(AssertSqlSafe(sql))
        .bind(owner)
        .bind(i64::from(page.limit))
        .bind(i64::try_from(page.offset()).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    Ok((
        with_items(pool, rows).await?,
        u64::try_from(total).unwrap_or_default(),
    ))
}

/// Attaches their items to orders, in one query.
async fn with_items(pool: &PgPool, rows: Vec<OrderRow>) -> Result<Vec<Order>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT order_id, product_id, name, unit_price, quantity FROM order_items \
         WHERE order_id = ANY($1) ORDER BY order_id, position",
    )
    .bind(&ids)
    .fetch_all(pool)
    .await?;
    let mut by_order: HashMap<Uuid, Vec<OrderItem>> = HashMap::with_capacity(ids.len());
    for item in items {
        by_order
            .entry(item.order_id)
            .or_default()
            .push(item.into_item()?);
    }
    rows.into_iter()
        .map(|row| {
            let items = by_order.remove(&row.id).unwrap_or_default();
            row.into_order(items)
        })
        .collect()
}
