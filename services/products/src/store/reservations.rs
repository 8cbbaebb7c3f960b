//! Stock reservations on PostgreSQL: all or nothing, once per order.
//!
//! A reservation is one statement ([`RESERVE`]), so it costs one round trip and holds
//! its row locks no longer than the statement runs. It locks the products in id order
//! (concurrent orders never deadlock), finds every shortage, and claims the order id in
//! `stock_reservations` with the outcome: reserved (the stock is taken and what was
//! taken recorded) or rejected (the shortages recorded), so a repeated call answers the
//! same. A concurrent call for the same order waits on the claim, then finds it taken,
//! changes nothing, and reads the recorded answer.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::domain::product::ProductId;
use crate::domain::reservation::{
    OrderId, ReservationOutcome, ReservationRequest, Shortage, ShortageReason,
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

/// Reserves `$2` (product ids, unique) in `$3` (quantities) for order `$1`. Answers
/// nothing if the order was claimed before; else the claim's status with one row per
/// shortage (none when reserved).
///
/// All parts see one snapshot, but `FOR UPDATE` waits for and then reads the newest
/// version of each product, and the update applies to that version, so the check and
/// the take agree. Each data-modifying part depends on the claim, so nothing is taken
/// or recorded for an order claimed before.
const RESERVE: &str = "\
WITH wanted AS (
    SELECT product_id, quantity FROM unnest($2::uuid[], $3::integer[]) AS t(product_id, quantity)
), stocked AS (
    SELECT id, stock FROM products WHERE id IN (SELECT product_id FROM wanted)
    ORDER BY id FOR UPDATE
), shortages AS (
    SELECT w.product_id, w.quantity AS requested, COALESCE(s.stock, 0) AS available,
           CASE WHEN s.id IS NULL THEN 'unknown_product' ELSE 'insufficient_stock' END AS reason
    FROM wanted w LEFT JOIN stocked s ON s.id = w.product_id
    WHERE s.id IS NULL OR s.stock < w.quantity
), claim AS (
    INSERT INTO stock_reservations (order_id, status)
    SELECT $1, CASE WHEN EXISTS (SELECT 1 FROM shortages) THEN 'rejected' ELSE 'reserved' END
    ON CONFLICT (order_id) DO NOTHING
    RETURNING status
), taken AS (
    UPDATE products p SET stock = p.stock - w.quantity, updated_at = now()
    FROM wanted w, claim c
    WHERE p.id = w.product_id AND c.status = 'reserved'
), taken_items AS (
    INSERT INTO stock_reservation_items (order_id, product_id, quantity)
    SELECT $1, w.product_id, w.quantity FROM wanted w, claim c WHERE c.status = 'reserved'
), refusals AS (
    INSERT INTO stock_reservation_shortages (order_id, product_id, requested, available, reason)
    SELECT $1, s.product_id, s.requested, s.available, s.reason
    FROM shortages s, claim c WHERE c.status = 'rejected'
)
SELECT c.status, s.product_id, s.requested, s.available, s.reason
FROM claim c LEFT JOIN shortages s ON true
ORDER BY s.product_id";

/// A row of [`RESERVE`]'s answer.
#[derive(sqlx::FromRow)]
struct ReserveRow {
    status: String,
    product_id: Option<Uuid>,
    requested: Option<i32>,
    available: Option<i32>,
    reason: Option<String>,
}

impl ReserveRow {
    /// The shortage on this row, if it has one.
    fn shortage(self) -> Option<Result<Shortage, StoreError>> {
        let row = ShortageRow {
            product_id: self.product_id?,
            requested: self.requested?,
            available: self.available?,
            reason: self.reason?,
        };
        Some(row.into_shortage())
    }
}

#[derive(sqlx::FromRow)]
struct ShortageRow {
    product_id: Uuid,
    requested: i32,
    available: i32,
    reason: String,
}

impl ShortageRow {
    fn into_shortage(self) -> Result<Shortage, StoreError> {
        let reason = ShortageReason::parse(&self.reason)
            .ok_or_else(|| StoreError::Corrupt(format!("shortage reason `{}`", self.reason)))?;
        Ok(Shortage {
            product_id: self.product_id.into(),
            requested: self.requested,
            available: self.available,
            reason,
        })
    }
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

    /// Takes every item of `request` from stock, or nothing, in one statement (see
    /// [`RESERVE`]); a repeated call reads the answer the first one recorded.
    pub async fn reserve(&self, request: &ReservationRequest) -> Result<Reservation, StoreError> {
        let product_ids: Vec<Uuid> = request
            .items()
            .iter()
            .map(|i| i.product_id.as_uuid())
            .collect();
        let quantities: Vec<i32> = request.items().iter().map(|i| i.quantity).collect();
        let rows: Vec<ReserveRow> = sqlx::query_as(RESERVE)
            .bind(request.order_id.as_uuid())
            .bind(product_ids)
            .bind(quantities)
            .fetch_all(&self.pool)
            .await?;
        let Some(first_row) = rows.first() else {
            let mut conn = self.pool.acquire().await?;
            return Ok(Reservation {
                outcome: recorded_outcome(&mut conn, request.order_id).await?,
                first: false,
            });
        };
        let outcome = if first_row.status == "reserved" {
            ReservationOutcome::Reserved
        } else {
            let shortages = rows
                .into_iter()
                .filter_map(ReserveRow::shortage)
                .collect::<Result<_, _>>()?;
            ReservationOutcome::Rejected(shortages)
        };
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
        .map(ShortageRow::into_shortage)
        .collect::<Result<_, StoreError>>()?;
    Ok(ReservationOutcome::Rejected(shortages))
}
