//! The retention janitor deletes sent outbox rows and processed event ids past their
//! retention, and nothing else: not an unsent row however old, not a young one.

use std::time::Duration;

use shop_common::config::HumanDuration;
use shop_orders::config::Retention;
use shop_orders::janitor::{RetentionJanitor, Swept};
use shop_testkit::postgres;
use sqlx::PgPool;
use uuid::Uuid;

const DAY: Duration = Duration::from_secs(86_400);

fn retention(outbox_days: u64, processed_days: u64) -> Retention {
    Retention {
        outbox: HumanDuration(DAY * outbox_days as u32),
        processed_events: HumanDuration(DAY * processed_days as u32),
    }
}

/// Adds an outbox row created `created_days` ago and sent `sent_days` ago (or never);
/// returns its key.
async fn outbox_row(pool: &PgPool, created_days: i32, sent_days: Option<i32>) -> String {
    let key = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO outbox (topic, key, payload, created_at, sent_at) \
         VALUES ('order_created', $1, '{}', now() - make_interval(days => $2), \
                 now() - make_interval(days => $3))",
    )
    .bind(&key)
    .bind(created_days)
    .bind(sent_days)
    .execute(pool)
    .await
    .expect("outbox row added");
    key
}

/// Records `count` event ids processed `days` ago.
async fn processed(pool: &PgPool, count: i32, days: i32) {
    sqlx::query(
        "INSERT INTO processed_events (event_id, processed_at) \
         SELECT gen_random_uuid(), now() - make_interval(days => $2) \
         FROM generate_series(1, $1)",
    )
    .bind(count)
    .bind(days)
    .execute(pool)
    .await
    .expect("processed events recorded");
}

async fn outbox_keys(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar("SELECT key FROM outbox ORDER BY id")
        .fetch_all(pool)
        .await
        .expect("outbox read")
}

async fn processed_count(pool: &PgPool, older_than_days: i32) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM processed_events \
         WHERE processed_at < now() - make_interval(days => $1)",
    )
    .bind(older_than_days)
    .fetch_one(pool)
    .await
    .expect("processed events counted")
}

#[tokio::test]
async fn a_sweep_deletes_only_what_is_past_its_retention() {
    let db = postgres::database(&shop_orders::store::MIGRATOR).await;
    let _sent_long_ago = outbox_row(&db.pool, 9, Some(8)).await;
    let sent_lately = outbox_row(&db.pool, 9, Some(1)).await;
    let never_sent = outbox_row(&db.pool, 30, None).await;
    processed(&db.pool, 3, 8).await;
    processed(&db.pool, 2, 1).await;

    let janitor = RetentionJanitor::new(db.pool.clone(), retention(7, 7));
    let swept = janitor.sweep().await.expect("a sweep");

    assert_eq!(
        swept,
        Swept {
            sent_events: 1,
            processed_events: 3
        }
    );
    assert_eq!(outbox_keys(&db.pool).await, [sent_lately, never_sent]);
    assert_eq!(processed_count(&db.pool, 0).await, 2);
    assert_eq!(janitor.sweep().await.expect("a sweep"), Swept::default());
}

#[tokio::test]
async fn each_table_keeps_its_own_retention() {
    let db = postgres::database(&shop_orders::store::MIGRATOR).await;
    let sent_3_days_ago = outbox_row(&db.pool, 3, Some(3)).await;
    processed(&db.pool, 4, 3).await;

    // Outbox rows for 2 days, processed ids for 10: only the outbox row goes.
    let janitor = RetentionJanitor::new(db.pool.clone(), retention(2, 10));
    let swept = janitor.sweep().await.expect("a sweep");
    assert_eq!(swept.sent_events, 1);
    assert_eq!(swept.processed_events, 0);
    assert!(!outbox_keys(&db.pool).await.contains(&sent_3_days_ago));
    assert_eq!(processed_count(&db.pool, 2).await, 4);
}

#[tokio::test]
async fn a_backlog_larger_than_a_batch_is_deleted_in_one_sweep() {
    let db = postgres::database(&shop_orders::store::MIGRATOR).await;
    processed(&db.pool, 2_500, 8).await;
    processed(&db.pool, 10, 0).await;

    let janitor = RetentionJanitor::new(db.pool.clone(), retention(7, 7));
    let swept = janitor.sweep().await.expect("a sweep");

    assert_eq!(swept.processed_events, 2_500);
    assert_eq!(processed_count(&db.pool, 0).await, 10);
}
