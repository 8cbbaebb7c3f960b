//! Event ids already applied: a consumer records the id in the same transaction as
//! the effect, so a redelivered event is recognised and changes nothing.

use sqlx::PgConnection;
use uuid::Uuid;

use super::StoreError;

/// Records `event_id`; false when it was already recorded (the event was applied).
pub async fn first_time(conn: &mut PgConnection, event_id: Uuid) -> Result<bool, StoreError> {
    let inserted =
        sqlx::query("INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(event_id)
            .execute(conn)
            .await?
            .rows_affected();
    Ok(inserted == 1)
}
