//! The retention janitor: deletes outbox rows published longer ago than
//! `OUTBOX_RETENTION`, and forgets event ids processed longer ago than
//! `PROCESSED_EVENTS_RETENTION`. Without it both tables grow with every order, for
//! ever, and so do their vacuums.
//!
//! Every replica runs one; their deletes do not conflict (a row deleted by one is
//! simply not found by the other).

use std::time::Duration;

use sqlx::PgPool;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

use crate::config::Retention;
use crate::store::StoreError;
use crate::store::retention::{self, Kept};

/// How often the janitor looks for old rows.
const SWEEP_EVERY: Duration = Duration::from_secs(60);
/// Rows deleted per statement.
const BATCH: i64 = 1_000;

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Swept {
    pub sent_events: u64,
    pub processed_events: u64,
}

pub struct RetentionJanitor {
    pool: PgPool,
    retention: Retention,
}

impl RetentionJanitor {
    pub fn new(pool: PgPool, retention: Retention) -> Self {
        Self { pool, retention }
    }

    /// Sweeps at start and every [`SWEEP_EVERY`] until `shutdown`. A failed sweep
    /// (the database away) is logged and tried again at the next tick.
    pub async fn run(self, shutdown: CancellationToken) {
        let mut ticks = tokio::time::interval(SWEEP_EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = shutdown.cancelled() => return,
                _ = ticks.tick() => {}
            }
            match self.sweep().await {
                Ok(swept) if swept != Swept::default() => {
                    tracing::info!(
                        sent_events = swept.sent_events,
                        processed_events = swept.processed_events,
                        "deleted rows past their retention"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "retention sweep failed, retrying later"),
            }
        }
    }

    /// Deletes the `kept` rows older than `age` a batch at a time, until a batch is not
    /// full; returns how many.
    async fn drain(&self, kept: Kept, age: Duration) -> Result<u64, StoreError> {
        let mut total = 0;
        loop {
            let deleted = retention::delete_older_than(&self.pool, kept, age, BATCH).await?;
            total += deleted;
            if deleted < BATCH.unsigned_abs() {
                return Ok(total);
            }
        }
    }

    /// Deletes everything past its retention, a batch at a time.
    pub async fn sweep(&self) -> Result<Swept, StoreError> {
        let sent_events = self
            .drain(Kept::SentEvents, self.retention.outbox.0)
            .await?;
        let processed_events = self
            .drain(Kept::ProcessedEvents, self.retention.processed_events.0)
            .await?;
        metrics::counter!("retention_deleted_total", "table" => "outbox").increment(sent_events);
        metrics::counter!("retention_deleted_total", "table" => "processed_events")
            .increment(processed_events);
        Ok(Swept {
            sent_events,
            processed_events,
        })
    }
}
