//! Stock reservations on PostgreSQL: all or nothing, once per order.
//!
//! A reservation is one transaction. It first claims the order id in
//! `stock_reservations` (a concurrent call for the same order waits on that row, then
//! finds it and returns the recorded answer), then takes every item with a conditional
//! update, in product id order so concurrent orders never deadlock. If any item falls
//! short, the updates are rolled back to a savepoint and the refusal is recorded
//! instead, so a repeated call answers the same.

use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::product::ProductId;
use crate::domain::reservation::{
    OrderId, ReservationItem, ReservationOutcome, ReservationRequest, Shortage, ShortageReason,
};
use crate::error::StoreError;

/// The answer to a reservation call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub outcome: ReservationOutcome,
    /// False when an earlier call for the same order decided the outcome (this call
    /// changed nothing).
    pub first: bool,
}

#[derive(sqlx::FromRow)]
struct ShortageRow {
    product_id: Uuid,
    requested: i32,
    available: i32,
    reason: String,
}

/// Reserves and releases stock.
#[derive(Clone)]
pub struct ReservationStore {
    pool: PgPool,
}

impl ReservationStore {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Takes every item of `request` from stock, or nothing.
    pub async fn reserve(&self, request: &ReservationRequest) -> Result<Reservation, StoreError> {
        let order_id = request.order_id.as_uuid();
        let mut tx = self.pool.begin().await?;
        let claimed = sqlx::query(
            "INSERT INTO stock_reservations (order_id, status) VALUES ($1, 'reserved') \
             ON CONFLICT (order_id) DO NOTHING",
        )
        .bind(order_id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !claimed {
            let outcome = recorded_outcome(&mut tx, request.order_id).await?;
            tx.commit().await?;
            return Ok(Reservation {
                outcome,
                first: false,
            });
        }

        let mut attempt = tx.begin().await?;
        let shortages = take_items(&mut attempt, request.items()).await?;
        let outcome = if shortages.is_empty() {
            attempt.commit().await?;
            record_items(&mut tx, order_id, request.items()).await?;
            ReservationOutcome::Reserved
        } else {
            attempt.rollback().await?;
            record_rejection(&mut tx, order_id, &shortages).await?;
            ReservationOutcome::Rejected(shortages)
        };
        tx.commit().await?;
        Ok(Reservation {
            outcome,
            first: true,
        })
    }

    /// Gives a granted reservation back, once. Returns the products whose stock went
    /// up, or `None` if nothing was released (unknown order, refused reservation, or
    /// already released).
    pub async fn release(&self, order_id: OrderId) -> Result<Option<Vec<ProductId>>, StoreError> {
        let mut tx = self.pool.begin().await?;
        // Only the call that flips the status gives the stock back; a concurrent call
        // waits on the row and then finds it released.
        let flipped = sqlx::query(
            "UPDATE stock_reservations SET status = 'released', released_at = now() \
             WHERE order_id = $1 AND status = 'reserved'",
        )
        .bind(order_id.as_uuid())
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !flipped {
            return Ok(None);
        }
        let items: Vec<(Uuid, i32)> = sqlx::query_as(
            "SELECT product_id, quantity FROM stock_reservation_items \
             WHERE order_id = $1 ORDER BY product_id",
        )
        .bind(order_id.as_uuid())
        .fetch_all(&mut *tx)
        .await?;
        for (product_id, quantity) in &items {
            // A product deleted since simply has nothing to give back to.
            sqlx::query("UPDATE products SET stock = stock + $2, updated_at = now() WHERE id = $1")
                .bind(product_id)
                .bind(quantity)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Some(items.into_iter().map(|(id, _)| id.into()).collect()))
    }
}

/// Tries to take every item; returns the items that fell short (all of them are
/// checked, so the caller learns every shortage at once).
async fn take_items(
    conn: &mut PgConnection,
    items: &[ReservationItem],
) -> Result<Vec<Shortage>, StoreError> {
    let mut shortages = Vec::new();
    for item in items {
        let taken = sqlx::query(
            "UPDATE products SET stock = stock - $2, updated_at = now() \
             WHERE id = $1 AND stock >= $2",
        )
        .bind(item.product_id.as_uuid())
        .bind(item.quantity)
        .execute(&mut *conn)
        .await?
        .rows_affected()
            == 1;
        if taken {
            continue;
        }
        let available: Option<i32> = sqlx::query_scalar("SELECT stock FROM products WHERE id = $1")
            .bind(item.product_id.as_uuid())
            .fetch_optional(&mut *conn)
            .await?;
        shortages.push(Shortage {
            product_id: item.product_id,
            requested: item.quantity,
            available: available.unwrap_or(0),
            reason: match available {
                Some(_) => ShortageReason::InsufficientStock,
                None => ShortageReason::UnknownProduct,
            },
        });
    }
    Ok(shortages)
}

async fn record_items(
    conn: &mut PgConnection,
    order_id: Uuid,
    items: &[ReservationItem],
) -> Result<(), StoreError> {
    let product_ids: Vec<Uuid> = items.iter().map(|i| i.product_id.as_uuid()).collect();
    let quantities: Vec<i32> = items.iter().map(|i| i.quantity).collect();
    sqlx::query(
        "INSERT INTO stock_reservation_items (order_id, product_id, quantity) \
         SELECT $1, t.product_id, t.quantity FROM unnest($2::uuid[], $3::integer[]) \
         AS t(product_id, quantity)",
    )
    .bind(order_id)
    .bind(product_ids)
    .bind(quantities)
    .execute(conn)
    .await?;
    Ok(())
}

async fn record_rejection(
    conn: &mut PgConnection,
    order_id: Uuid,
    shortages: &[Shortage],
) -> Result<(), StoreError> {
    sqlx::query("UPDATE stock_reservations SET status = 'rejected' WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    let product_ids: Vec<Uuid> = shortages.iter().map(|s| s.product_id.as_uuid()).collect();
    let requested: Vec<i32> = shortages.iter().map(|s| s.requested).collect();
    let available: Vec<i32> = shortages.iter().map(|s| s.available).collect();
    let reasons: Vec<&str> = shortages.iter().map(|s| s.reason.as_str()).collect();
    sqlx::query(
        "INSERT INTO stock_reservation_shortages \
           (order_id, product_id, requested, available, reason) \
         SELECT $1, t.product_id, t.requested, t.available, t.reason \
         FROM unnest($2::uuid[], $3::integer[], $4::integer[], $5::text[]) \
           AS t(product_id, requested, available, reason)",
    )
    .bind(order_id)
    .bind(product_ids)
    .bind(requested)
    .bind(available)
    .bind(reasons)
    .execute(conn)
    .await?;
    Ok(())
}

/// The answer an earlier call recorded for this order.
async fn recorded_outcome(
    conn: &mut PgConnection,
    order_id: OrderId,
) -> Result<ReservationOutcome, StoreError> {
    let status: String =
        sqlx::query_scalar("SELECT status FROM stock_reservations WHERE order_id = $1")
            .bind(order_id.as_uuid())
            .fetch_one(&mut *conn)
            .await?;
    if status != "rejected" {
        // Reserved, or reserved and since released: the first answer was "reserved".
        return Ok(ReservationOutcome::Reserved);
    }
    let rows: Vec<ShortageRow> = sqlx::query_as(
        "SELECT product_id, requested, available, reason FROM stock_reservation_shortages \
         WHERE order_id = $1 ORDER BY product_id",
    )
    .bind(order_id.as_uuid())
    .fetch_all(conn)
    .await?;
    let shortages = rows
        .into_iter()
        .map(|row| {
            let reason = ShortageReason::parse(&row.reason).ok_or_else(|| {
                StoreError::Corrupt(format!("shortage reason `{}` of {order_id}", row.reason))
            })?;
            Ok(Shortage {
                product_id: row.product_id.into(),
                requested: row.requested,
                available: row.available,
                reason,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(ReservationOutcome::Rejected(shortages))
}
