//! Changing an order's status: locking it for a change (recording the event that
//! causes it), writing the change with the event announcing it, and the one-statement
//! form of both for an event that finds its order in the state it expects.

use sqlx::postgres::PgArguments;
use sqlx::query::QueryScalar;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres};
use uuid::Uuid;

use super::rows::{LockedRow, ORDER_COLUMNS, OrderRow};
use crate::domain::{Order, OrderStatus};
use crate::store::StoreError;
use crate::store::outbox::NewEvent;

/// The columns a status change sets. Binds: `$1` the order, `$2` the new status, `$3`
/// the cancel reason, `$4` the tracking number (each `NULL` to keep the stored one).
const SET_STATUS: &str = "status = $2, \
    cancel_reason = COALESCE($3, cancel_reason), \
    tracking_number = COALESCE($4, tracking_number), \
    shipped_at = CASE WHEN $4::text IS NULL THEN shipped_at ELSE now() END, \
    confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END, \
    updated_at = now()";

/// Puts the announcement (`$5` topic, `$6` key, `$7` JSON; a `NULL` topic for none)
/// in the outbox for each row of `changed`.
const ANNOUNCE: &str = "INSERT INTO outbox (topic, key, payload) \
    SELECT $5, $6, $7::json FROM changed WHERE $5::text IS NOT NULL";

/// A status change with what it records.
#[derive(Debug, Clone, Copy)]
pub enum StatusChange<'a> {
    Confirm,
    Cancel { reason: &'a str },
    Ship { tracking_number: &'a str },
    Deliver,
}

impl<'a> StatusChange<'a> {
    pub fn target(&self) -> OrderStatus {
        match self {
            StatusChange::Confirm => OrderStatus::Confirmed,
            StatusChange::Cancel { .. } => OrderStatus::Cancelled,
            StatusChange::Ship { .. } => OrderStatus::Shipped,
            StatusChange::Deliver => OrderStatus::Delivered,
        }
    }

    /// The cancel reason and the tracking number it records.
    fn records(self) -> (Option<&'a str>, Option<&'a str>) {
        match self {
            StatusChange::Cancel { reason } => (Some(reason), None),
            StatusChange::Ship { tracking_number } => (None, Some(tracking_number)),
            StatusChange::Confirm | StatusChange::Deliver => (None, None),
        }
    }
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

/// The statement `changed` (a CTE that changes the order and returns its id) heads,
/// followed by the announcement and `extra` CTEs, answering how many orders changed;
/// with `$1`-`$7` bound as [`SET_STATUS`] and [`ANNOUNCE`] say (the caller binds any
/// further parameters).
fn change_statement<'q>(
    changed: &str,
    extra: &str,
    id: Uuid,
    change: StatusChange<'q>,
    announcement: Option<&'q NewEvent>,
) -> QueryScalar<'q, Postgres, i64, PgArguments> {
    let (reason, tracking) = change.records();
    sqlx::query_scalar(AssertSqlSafe(format!(
        "WITH changed AS ({changed}){extra}, announced AS ({ANNOUNCE}) \
         SELECT count(*) FROM changed"
    )))
    .bind(id)
    .bind(change.target().as_str())
    .bind(reason)
    .bind(tracking)
    .bind(announcement.map(|event| event.topic))
    .bind(announcement.map(|event| event.key.as_str()))
    .bind(announcement.map(|event| event.json.as_str()))
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
    let changed = format!("UPDATE orders SET {SET_STATUS} WHERE id = $1 RETURNING id");
    change_statement(&changed, "", id, change, announcement)
        .fetch_one(conn)
        .await?;
    Ok(())
}

/// The whole of an event-driven change in one statement, without a transaction around
/// it: if the order is `from` and `event_id` was never applied, writes `change`, puts
/// `announcement` in the outbox and records the event. True if it did; false (nothing
/// written) for anything else — a redelivery, another state, an unknown order — which
/// the caller then handles under the row lock ([`lock_for_event`]).
///
/// A concurrent change of the same order waits for the row lock, then sees the new
/// status, which is no longer `from`; so this never applies an event twice, nor over
/// another change. Saves the transaction's other three round trips (`BEGIN`, the lock,
/// `COMMIT`) on the path every order takes.
pub async fn change_for_event(
    pool: &PgPool,
    id: Uuid,
    event_id: Uuid,
    from: OrderStatus,
    change: StatusChange<'_>,
    announcement: Option<&NewEvent>,
) -> Result<bool, StoreError> {
    let changed = format!(
        "UPDATE orders SET {SET_STATUS} \
         WHERE id = $1 AND status = $8 \
           AND NOT EXISTS (SELECT 1 FROM processed_events WHERE event_id = $9) \
         RETURNING id"
    );
    let recorded = ", recorded AS (INSERT INTO processed_events (event_id) SELECT $9 FROM changed)";
    let count = change_statement(&changed, recorded, id, change, announcement)
        .bind(from.as_str())
        .bind(event_id)
        .fetch_one(pool)
        .await?;
    Ok(count == 1)
}
