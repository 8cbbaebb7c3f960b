//! What must hold once the faults are over and the load has settled, read straight
//! from the databases and the broker.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use shop_common::events::EventType;
use shop_testkit::eventually;
use sqlx::PgPool;
use uuid::Uuid;

/// How long the pipeline may take to drain after the load on a loaded machine.
const DRAIN: Duration = Duration::from_secs(180);

/// Each consumer group and the event types it consumes (each service's
/// `events::CONSUMED`; orders' `STOCK_ANSWERS` and `SHIPMENTS`), under the platform's
/// topic prefix.
const GROUPS: [(&str, &[EventType]); 5] = [
    (
        "orders",
        &[EventType::StockReserved, EventType::StockRejected],
    ),
    ("orders-shipments", &[EventType::OrderShipped]),
    (
        "stock",
        &[EventType::OrderCreated, EventType::OrderCancelled],
    ),
    ("shipping", &[EventType::OrderConfirmed]),
    (
        "notification",
        &[
            EventType::OrderCreated,
            EventType::OrderConfirmed,
            EventType::OrderCancelled,
            EventType::OrderShipped,
        ],
    ),
];

/// Statuses an order ends in: shipping ships every confirmed order.
const FINAL: [&str; 3] = ["shipped", "delivered", "cancelled"];
/// Statuses of an order whose stock is taken.
const HOLDS_STOCK: [&str; 3] = ["confirmed", "shipped", "delivered"];

/// Products' stock by id.
pub async fn stock(products: &PgPool) -> HashMap<Uuid, i64> {
    sqlx::query_as("SELECT id, stock::bigint FROM products")
        .fetch_all(products)
        .await
        .expect("products' stock")
        .into_iter()
        .collect()
}

/// Waits until every order is in a final state and orders' outbox is sent; returns
/// how many orders there are per status. On timeout, says which orders are still
/// under way and what stock holds for them.
pub async fn orders_settle(
    orders: &PgPool,
    products: &PgPool,
) -> Result<BTreeMap<String, i64>, String> {
    let deadline = tokio::time::Instant::now() + DRAIN;
    let by_status = loop {
        let counts = orders_by_status(orders).await;
        if counts.keys().all(|status| FINAL.contains(&status.as_str())) {
            break counts;
        }
        if tokio::time::Instant::now() >= deadline {
            let stuck = stuck_orders(orders, products).await;
            return Err(format!(
                "orders not in a final state after {DRAIN:?}: {counts:?}; some of them:\n{stuck}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    eventually("orders' outbox sent", DRAIN, || async {
        let unsent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            .fetch_one(orders)
            .await
            .ok()?;
        (unsent == 0).then_some(())
    })
    .await;
    Ok(by_status)
}

async fn orders_by_status(orders: &PgPool) -> BTreeMap<String, i64> {
    sqlx::query_as("SELECT status, count(*) FROM orders GROUP BY status")
        .fetch_all(orders)
        .await
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// A few orders not in a final state, each with its age and its stock reservation.
async fn stuck_orders(orders: &PgPool, products: &PgPool) -> String {
    let stuck: Vec<(Uuid, String, String, String)> = sqlx::query_as(
        "SELECT id, status, created_at::text, updated_at::text FROM orders \
         WHERE status NOT IN ('shipped', 'delivered', 'cancelled') ORDER BY created_at LIMIT 10",
    )
    .fetch_all(orders)
    .await
    .unwrap_or_default();
    let mut lines = Vec::new();
    for (id, status, created, updated) in stuck {
        let reservation: Option<String> =
            sqlx::query_scalar("SELECT status FROM stock_reservations WHERE order_id = $1")
                .bind(id)
                .fetch_optional(products)
                .await
                .unwrap_or_default();
        let outbox: Vec<(String, bool)> = sqlx::query_as(
            "SELECT topic, sent_at IS NOT NULL FROM outbox WHERE key = $1 ORDER BY id",
        )
        .bind(id.to_string())
        .fetch_all(orders)
        .await
        .unwrap_or_default();
        lines.push(format!(
            "  {id} {status} (created {created}, updated {updated}), reservation {reservation:?}, \
             outbox (topic, sent) {outbox:?}"
        ));
    }
    lines.join("\n")
}

/// Waits until every consumer group has committed everything on its topics; returns
/// each group's lag (all zero).
pub async fn consumers_caught_up(brokers: &str, topic_prefix: &str) -> Vec<(String, i64)> {
    let mut lags = Vec::new();
    for (group, consumed) in GROUPS {
        let topics: Vec<String> = consumed
            .iter()
            .map(|t| format!("{topic_prefix}{}", t.as_str()))
            .collect();
        let name = format!("{topic_prefix}{group}");
        let what = format!("consumer group {name} to catch up");
        let lag = eventually(&what, DRAIN, || async {
            let lag = shop_testkit::kafka::group_lag(brokers, &name, &topics)
                .await
                .ok()?;
            (lag == 0).then_some(lag)
        })
        .await;
        lags.push((group.to_owned(), lag));
    }
    lags
}

/// Whether a new client gets an answer from the broker (to tell a broker that no
/// longer answers from clients that do not reconnect).
pub async fn broker_answers(brokers: &str, topic_prefix: &str) -> Result<i64, String> {
    let topics = [format!(
        "{topic_prefix}{}",
        EventType::OrderCreated.as_str()
    )];
    let lag = shop_testkit::kafka::group_lag(brokers, "probe", &topics);
    match tokio::time::timeout(Duration::from_secs(30), lag).await {
        Ok(result) => result.map_err(|error| error.to_string()),
        Err(_) => Err("no answer within 30 s".to_owned()),
    }
}

/// Items by product, and the status they are in (an order's or a reservation's).
type Holdings = HashMap<Uuid, (String, BTreeMap<Uuid, i64>)>;

async fn holdings(pool: &PgPool, query: &'static str) -> Holdings {
    let rows: Vec<(Uuid, String, Option<Uuid>, Option<i64>)> = sqlx::query_as(query)
        .fetch_all(pool)
        .await
        .unwrap_or_else(|error| panic!("{query}: {error}"));
    let mut holdings = Holdings::new();
    for (id, status, product, quantity) in rows {
        let entry = holdings
            .entry(id)
            .or_insert_with(|| (status, BTreeMap::new()));
        if let (Some(product), Some(quantity)) = (product, quantity) {
            entry.1.insert(product, quantity);
        }
    }
    holdings
}

/// What the reconciliation looked at.
pub struct Reconciliation {
    pub products: usize,
    pub orders: usize,
    pub reserved_units: i64,
}

/// Stock never negative and taken exactly once per order holding it: each product's
/// stock is its stock before the load minus what the granted reservations hold; each
/// confirmed, shipped or delivered order holds exactly its items, a cancelled order
/// nothing, and no reservation holds stock for any other order.
pub async fn reconcile(
    before: &HashMap<Uuid, i64>,
    products: &PgPool,
    orders: &PgPool,
) -> Reconciliation {
    let order_items = holdings(
        orders,
        "SELECT o.id, o.status, i.product_id, i.quantity::bigint \
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id",
    )
    .await;
    let reservations = holdings(
        products,
        "SELECT r.order_id, r.status, i.product_id, i.quantity::bigint \
         FROM stock_reservations r LEFT JOIN stock_reservation_items i ON i.order_id = r.order_id",
    )
    .await;
    let now = stock(products).await;
    let mut wrong = Vec::new();

    let mut reserved: HashMap<Uuid, i64> = HashMap::new();
    for (order, (status, items)) in &reservations {
        if status != "reserved" {
            continue;
        }
        for (product, quantity) in items {
            *reserved.entry(*product).or_default() += quantity;
        }
        match order_items.get(order) {
            Some((order_status, _)) if HOLDS_STOCK.contains(&order_status.as_str()) => {}
            other => wrong.push(format!(
                "reservation {order} holds stock for an order that is {:?}",
                other.map(|(s, _)| s)
            )),
        }
    }
    for (product, initial) in before {
        let current = now.get(product).copied().unwrap_or_default();
        let taken = reserved.get(product).copied().unwrap_or_default();
        if current < 0 || initial - taken != current {
            wrong.push(format!(
                "product {product}: stock {current}, expected {initial} - {taken} reserved"
            ));
        }
    }
    for (order, (status, items)) in &order_items {
        let reservation = reservations.get(order);
        let held = reservation.filter(|(s, _)| s == "reserved").map(|(_, i)| i);
        let holds = HOLDS_STOCK.contains(&status.as_str());
        if holds && held != Some(items) {
            wrong.push(format!(
                "{status} order {order} has items {items:?}, its reservation {reservation:?}"
            ));
        }
        if !holds && held.is_some() {
            wrong.push(format!("{status} order {order} still holds {held:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} stock inconsistencies, first ones:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
    Reconciliation {
        products: before.len(),
        orders: order_items.len(),
        reserved_units: reserved.values().sum(),
    }
}
