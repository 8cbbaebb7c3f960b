//! A redelivered event changes nothing; a failed handling does not mark its event as
//! applied; an order is written with its items and its announcement, or not at all.

use std::sync::Arc;

use shop_common::money::Money;
use shop_orders::domain::{OrderStatus, PricedLine, PricedOrder, Quantity};
use shop_orders::store::orders::Customer;
use shop_orders::workflow::{Applied, FlowError, Workflow};
use shop_testkit::postgres::{self, TestDatabase};
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

/// A fresh orders database, and the workflow on it.
async fn start() -> (TestDatabase, Workflow) {
    let db = postgres::database(&shop_orders::store::MIGRATOR).await;
    let workflow = Workflow::new(db.pool.clone(), Arc::new(Notify::new()));
    (db, workflow)
}

fn customer() -> Customer<'static> {
    Customer {
        user_id: Uuid::now_v7(),
        email: "ada@example.com",
    }
}

fn priced(quantity: u32) -> PricedOrder {
    let line = PricedLine {
        product_id: Uuid::now_v7(),
        name: "Book".into(),
        unit_price: Money::from_cents(1250),
        quantity: Quantity::new(quantity).expect("a positive quantity"),
    };
    PricedOrder {
        total: Money::from_cents(1250 * i64::from(quantity)),
        lines: vec![line],
    }
}

async fn count(pool: &PgPool, sql: &'static str, id: Uuid) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(pool)
        .await
        .expect("count")
}

async fn outbox_rows(pool: &PgPool, order_id: Uuid) -> i64 {
    count(
        pool,
        "SELECT count(*) FROM outbox WHERE key = $1::text",
        order_id,
    )
    .await
}

#[tokio::test]
async fn a_redelivered_event_changes_nothing() {
    let (db, workflow) = start().await;
    let customer = customer();
    let order = workflow.place(customer, &priced(2), None).await.unwrap();
    let event = Uuid::now_v7();

    let first = workflow.on_stock_reserved(order.id, event).await.unwrap();
    let again = workflow.on_stock_reserved(order.id, event).await.unwrap();
    let other = workflow
        .on_stock_reserved(order.id, Uuid::now_v7())
        .await
        .unwrap();

    assert_eq!(
        (first, again, other),
        (
            Applied::Changed,
            Applied::AlreadyProcessed,
            Applied::Ignored
        )
    );
    let stored = shop_orders::store::orders::get(&db.pool, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, OrderStatus::Confirmed);
    // order_created and one order_confirmed, not two.
    assert_eq!(outbox_rows(&db.pool, order.id).await, 2);
}

#[tokio::test]
async fn an_event_for_an_unknown_order_is_not_marked_applied() {
    let (db, workflow) = start().await;
    let event = Uuid::now_v7();

    let refused = workflow.on_stock_reserved(Uuid::now_v7(), event).await;

    assert!(matches!(refused, Err(FlowError::NotFound(_))));
    let marked = count(
        &db.pool,
        "SELECT count(*) FROM processed_events WHERE event_id = $1",
        event,
    )
    .await;
    assert_eq!(marked, 0);
}

#[tokio::test]
async fn an_order_is_written_with_its_items_and_event_once_per_key() {
    let (db, workflow) = start().await;
    let customer = customer();

    let first = workflow
        .place(customer, &priced(3), Some("key-1"))
        .await
        .unwrap();
    let repeated = workflow
        .place(customer, &priced(5), Some("key-1"))
        .await
        .unwrap();

    assert_eq!(repeated, first);
    let stored = shop_orders::store::orders::get(&db.pool, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, first);
    assert_eq!(stored.items.len(), 1);
    assert_eq!(stored.items[0].quantity, 3);
    let orders = count(
        &db.pool,
        "SELECT count(*) FROM orders WHERE user_id = $1",
        customer.user_id,
    )
    .await;
    assert_eq!(orders, 1);
    assert_eq!(outbox_rows(&db.pool, first.id).await, 1);
}
