//! The transactional outbox: events are inserted in the transaction of the change they
//! describe, and published later by the relay, so no event is lost when Kafka or this
//! service is down, and none is published for a change that was rolled back.

use shop_common::events::{Event, EventPayload};
use sqlx::{PgConnection, PgPool};

use super::StoreError;

/// An event waiting to be published.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingEvent {
    pub id: i64,
    pub topic: String,
    pub key: String,
    pub payload: String,
}

/// An event made ready for the outbox: its topic, key and JSON envelope.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub topic: &'static str,
    pub key: String,
    pub json: String,
}

impl NewEvent {
    pub fn new<P: EventPayload>(payload: &P) -> Result<Self, StoreError> {
        let event = Event::new(payload).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let json =
            String::from_utf8(event.to_bytes()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(Self {
            topic: P::TYPE.as_str(),
            key: payload.key(),
            json,
        })
    }
}

/// Adds an event to the outbox inside the caller's transaction.
pub async fn enqueue<P: EventPayload>(
    conn: &mut PgConnection,
    payload: &P,
) -> Result<(), StoreError> {
    let event = NewEvent::new(payload)?;
    sqlx::query("INSERT INTO outbox (topic, key, payload) VALUES ($1, $2, $3::json)")
        .bind(event.topic)
        .bind(event.key)
        .bind(event.json)
        .execute(conn)
        .await?;
    Ok(())
}

/// Claims up to `limit` unsent events, oldest first: marks them sent and locks them
/// until the caller's transaction ends, in one statement. Rows locked by another relay
/// are skipped, so several replicas never publish the same batch at once. The caller
/// publishes them, then [`unmark`]s those the broker refused before committing; a
/// rollback (or a crash) leaves them all unsent.
pub async fn claim_unsent(
    conn: &mut PgConnection,
    limit: i64,
) -> Result<Vec<PendingEvent>, StoreError> {
    let mut claimed = sqlx::query_as::<_, PendingEvent>(
        "UPDATE outbox SET sent_at = now() WHERE id IN ( \
           SELECT id FROM outbox WHERE sent_at IS NULL \
           ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED \
         ) \
         RETURNING id, topic, key, payload::text AS payload",
    )
    .bind(limit)
    .fetch_all(conn)
    .await?;
    // RETURNING follows no order; events are published oldest first.
    claimed.sort_unstable_by_key(|event| event.id);
    Ok(claimed)
}

/// Marks claimed events unsent again (the broker did not take them).
pub async fn unmark(conn: &mut PgConnection, ids: &[i64]) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    sqlx::query("UPDATE outbox SET sent_at = NULL WHERE id = ANY($1)")
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many events wait to be published (a health signal of the relay).
pub async fn backlog(pool: &PgPool) -> Result<i64, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(pool)
            .await?,
    )
}
