//! Pages of orders, all or one customer's, sorted by a validated field.

use std::collections::HashMap;

use shop_common::pagination::{Page, SortField, SortOrder};
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

use super::rows::{ItemRow, ORDER_COLUMNS, OrderRow};
use crate::domain::{Order, OrderItem};
use crate::store::StoreError;

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
