//! A redelivered event changes nothing; a failed handling does not mark its event as
//! applied; an order is written with its items and its announcement, or not at all.
//! Stock's answer has the same effect whether the replica that placed the order
//! applies it (in one statement) or another one does (under the row lock).

use std::sync::Arc;

use shop_common::money::Money;
use shop_orders::domain::{OrderStatus, PricedLine, PricedOrder, Quantity};
use shop_orders::store::orders::{Customer, StatusChange, change_for_event};
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

/// The order's announcements in the outbox, oldest first: (topic, payload).
async fn announcements(pool: &PgPool, order_id: Uuid) -> Vec<(String, serde_json::Value)> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT topic, payload::text FROM outbox WHERE key = $1::text ORDER BY id")
            .bind(order_id)
            .fetch_all(pool)
            .await
            .expect("outbox rows");
    rows.into_iter()
        .map(|(topic, json)| {
            let mut event: serde_json::Value = serde_json::from_str(&json).expect("an event");
            (topic, event["payload"].take())
        })
        .collect()
}

#[tokio::test]
async fn stock_answers_have_one_effect_whichever_replica_applies_them() {
    let (db, placing) = start().await;
    let other_replica = Workflow::new(db.pool.clone(), Arc::new(Notify::new()));
    let customer = customer();
    let here = placing.place(customer, &priced(1), None).await.unwrap();
    let there = placing.place(customer, &priced(1), None).await.unwrap();

    let applied = (
        placing.on_stock_reserved(here.id, Uuid::now_v7()).await,
        other_replica
            .on_stock_reserved(there.id, Uuid::now_v7())
            .await,
    );

    assert!(matches!(
        applied,
        (Ok(Applied::Changed), Ok(Applied::Changed))
    ));
    for order in [&here, &there] {
        let stored = shop_orders::store::orders::get(&db.pool, order.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.status, OrderStatus::Confirmed);
        assert!(stored.confirmed_at.is_some());
    }
    let (mut here_events, mut there_events) = (
        announcements(&db.pool, here.id).await,
        announcements(&db.pool, there.id).await,
    );
    for (events, order) in [(&mut here_events, &here), (&mut there_events, &there)] {
        assert_eq!(events[1].1["orderId"], order.id.to_string());
        events[1].1["orderId"] = serde_json::Value::Null;
    }
    assert_eq!(here_events.len(), 2);
    assert_eq!(here_events[1], there_events[1]);
    assert_eq!(here_events[1].0, "order_confirmed");
    assert_eq!(here_events[1].1["userEmail"], "ada@example.com");
}

#[tokio::test]
async fn a_reservation_for_an_order_cancelled_meanwhile_is_given_back() {
    let (db, workflow) = start().await;
    let order = workflow.place(customer(), &priced(1), None).await.unwrap();
    let cancel = StatusChange::Cancel {
        reason: "changed my mind",
    };
    workflow.change_by_admin(order.id, cancel).await.unwrap();

    let applied = workflow.on_stock_reserved(order.id, Uuid::now_v7()).await;

    assert!(matches!(applied, Ok(Applied::Changed)));
    let topics: Vec<String> = announcements(&db.pool, order.id)
        .await
        .into_iter()
        .map(|(topic, _)| topic)
        .collect();
    // The admin's cancellation, then its repetition that makes stock give back.
    assert_eq!(
        topics,
        ["order_created", "order_cancelled", "order_cancelled"]
    );
}

#[tokio::test]
async fn a_shipment_applies_once_and_only_to_a_confirmed_order() {
    let (db, workflow) = start().await;
    let order = workflow.place(customer(), &priced(1), None).await.unwrap();
    let shipment = Uuid::now_v7();

    let early = workflow.on_shipped(order.id, "TRK-0", Uuid::now_v7()).await;
    workflow
        .on_stock_reserved(order.id, Uuid::now_v7())
        .await
        .unwrap();
    let shipped = workflow.on_shipped(order.id, "TRK-1", shipment).await;
    let again = workflow.on_shipped(order.id, "TRK-1", shipment).await;

    assert!(matches!(early, Ok(Applied::Ignored)));
    assert!(matches!(shipped, Ok(Applied::Changed)));
    assert!(matches!(again, Ok(Applied::AlreadyProcessed)));
    let stored = shop_orders::store::orders::get(&db.pool, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, OrderStatus::Shipped);
    assert_eq!(
        stored.shipment.map(|s| s.tracking_number).as_deref(),
        Some("TRK-1")
    );
}

#[tokio::test]
async fn the_one_statement_change_applies_only_a_new_event_to_an_order_as_expected() {
    let (db, workflow) = start().await;
    let order = workflow.place(customer(), &priced(1), None).await.unwrap();
    let event = Uuid::now_v7();
    let ship = StatusChange::Ship {
        tracking_number: "TRK-2",
    };
    let apply = |id, from, change| change_for_event(&db.pool, id, event, from, change, None);

    let unknown_order = apply(Uuid::now_v7(), OrderStatus::Pending, StatusChange::Confirm).await;
    let other_state = apply(order.id, OrderStatus::Confirmed, ship).await;
    let marked_before = count(
        &db.pool,
        "SELECT count(*) FROM processed_events WHERE event_id = $1",
        event,
    )
    .await;
    let confirmed = apply(order.id, OrderStatus::Pending, StatusChange::Confirm).await;
    let same_event_again = apply(order.id, OrderStatus::Confirmed, ship).await;

    assert_eq!(
        (
            unknown_order.unwrap(),
            other_state.unwrap(),
            confirmed.unwrap(),
            same_event_again.unwrap()
        ),
        (false, false, true, false)
    );
    assert_eq!(marked_before, 0);
    let stored = shop_orders::store::orders::get(&db.pool, order.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, OrderStatus::Confirmed);
}
