//! The services' PostgreSQL pools against a server of the test's own, crashed and
//! restarted: pooled connections do not ping before every use, so the pool must still
//! find out that an idle one died with the server.

use std::time::Duration;

use shop_common::config::PostgresUrl;
use shop_common::postgres::{PING_IF_IDLE_FOR, PoolOptions, connect};
use shop_testkit::postgres_server::PrivatePostgres;

#[tokio::test]
async fn connections_idle_through_a_server_crash_are_replaced_not_handed_out() {
    let server = PrivatePostgres::start().await;
    let url: PostgresUrl = server.url().parse().expect("a postgres:// URL");
    let options = PoolOptions {
        max_connections: 2,
        ..PoolOptions::default()
    };
    let pool = connect(&url, options).await.expect("the pool connects");
    // Both connections of the pool opened, used and put back.
    let first = pool.acquire().await.expect("a connection");
    let second = pool.acquire().await.expect("another connection");
    drop((first, second));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(pool.size(), 2);

    server.stop().await;
    server.resume().await;
    tokio::time::sleep(PING_IF_IDLE_FOR + Duration::from_millis(200)).await;

    // Each idle connection is pinged, found dead and replaced: every query answers.
    for _ in 0..4 {
        let one: i32 = sqlx::query_scalar("SELECT 1")
            .fetch_one(&pool)
            .await
            .expect("a query after the restart is served by a live connection");
        assert_eq!(one, 1);
    }
}
