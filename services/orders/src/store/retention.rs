//! Deleting what is only kept for a while: outbox rows once published (kept to trace
//! an order's events) and the ids of processed events (kept while Kafka could still
//! redeliver them).
//!
//! Each call deletes at most `limit` rows, oldest first, so that one sweep never holds
//! many row locks or writes a burst of WAL at once.

use std::time::Duration;

use sqlx::PgPool;

use super::StoreError;

/// The rows kept for a while.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Outbox rows once sent (unsent rows are never deleted, however old).
    SentEvents,
    /// Ids of processed events.
    ProcessedEvents,
}

impl Kept {
    /// Deletes the oldest `$2` rows older than the interval `$1`.
    fn delete_statement(self) -> &'static str {
        match self {
            Kept::SentEvents => {
                "DELETE FROM outbox WHERE id IN ( \
                   SELECT id FROM outbox \
                   WHERE sent_at < now() - $1 \
                   ORDER BY sent_at LIMIT $2 \
                 )"
            }
            Kept::ProcessedEvents => {
                "DELETE FROM processed_events WHERE event_id IN ( \
                   SELECT event_id FROM processed_events \
                   WHERE processed_at < now() - $1 \
                   ORDER BY processed_at LIMIT $2 \
                 )"
            }
        }
    }
}

/// Deletes up to `limit` of the `kept` rows older than `age`, oldest first; returns
/// how many.
pub async fn delete_older_than(
    pool: &PgPool,
    kept: Kept,
    age: Duration,
    limit: i64,
) -> Result<u64, StoreError> {
    let deleted = sqlx::query(kept.delete_statement())
        .bind(age.min(LONGEST_AGE))
        .bind(limit)
        .execute(pool)
        .await?;
    Ok(deleted.rows_affected())
}

/// The longest age passed to PostgreSQL: `now()` minus more overflows its timestamps,
/// and a retention of a thousand years keeps everything, as a longer one would.
const LONGEST_AGE: Duration = Duration::from_secs(1000 * 365 * 86_400);
