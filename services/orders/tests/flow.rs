//! The order flow end to end: orders → stock → orders → shipping → orders, with
//! notification mailing the customer at each step.

mod support;

use shop_common::events::{EventType, KafkaConfig};
use shop_proto::orders::v1::{CreateOrderRequest, OrderLine, OrderStatus};
use support::{FLOW, Flow, customer};

#[tokio::test]
async fn an_order_is_confirmed_then_shipped_and_its_stock_taken() {
    let flow = Flow::start().await;
    let product = flow.product(5).await;

    let placed = flow.order(&customer(), product, 2).await;
    assert_eq!(placed.status(), OrderStatus::Pending);
    assert_eq!(placed.total_price.unwrap().cents, 3998);
    assert_eq!(placed.items[0].unit_price.unwrap().cents, 1999);
    assert_eq!(placed.confirmed_at, None);

    let shipped = flow.reaches(&placed.id, OrderStatus::Shipped).await;
    // The order CreateOrder answered (built from what it wrote, not read back) is the
    // order as stored.
    assert_eq!(shipped.items, placed.items);
    assert_eq!(shipped.created_at, placed.created_at);
    assert_eq!(shipped.user_id, placed.user_id);
    let shipment = shipped.shipment.clone().expect("a shipment");
    assert!(shipment.tracking_number.starts_with("RS-"), "{shipment:?}");
    // Confirmation keeps its time once shipped, between acceptance and shipping.
    let at = |t: Option<prost_types::Timestamp>| {
        let t = t.expect("a timestamp");
        (t.seconds, t.nanos)
    };
    let confirmed = at(shipped.confirmed_at);
    assert!(at(placed.created_at) <= confirmed, "{shipped:?}");
    assert!(confirmed <= at(shipment.shipped_at), "{shipped:?}");
    assert_eq!(flow.stock_of(product).await, 3);
    flow.shut_down().await;
}

#[tokio::test]
async fn an_order_beyond_the_stock_is_cancelled_with_its_reason_and_takes_nothing() {
    let flow = Flow::start().await;
    let product = flow.product(1).await;

    let placed = flow.order(&customer(), product, 2).await;
    let cancelled = flow.reaches(&placed.id, OrderStatus::Cancelled).await;
    assert_eq!(cancelled.confirmed_at, None);
    let reason = cancelled.cancel_reason.expect("a reason");
    assert!(reason.contains("stock"), "{reason}");
    assert!(reason.contains("2 requested"), "{reason}");
    assert_eq!(flow.stock_of(product).await, 1);
    flow.shut_down().await;
}

#[tokio::test]
async fn the_customer_gets_one_mail_per_step() {
    let flow = Flow::start().await;
    let plenty = flow.product(10).await;
    let scarce = flow.product(0).await;
    let buyer = customer();

    let shipped = flow.order(&buyer, plenty, 1).await;
    let cancelled = flow.order(&buyer, scarce, 1).await;
    flow.reaches(&shipped.id, OrderStatus::Shipped).await;
    flow.reaches(&cancelled.id, OrderStatus::Cancelled).await;

    let subjects_for = |id: &str| {
        let mut subjects: Vec<String> = flow
            .mail
            .sent()
            .into_iter()
            .filter(|mail| mail.subject.contains(id))
            .map(|mail| mail.subject.replace(id, "#"))
            .collect();
        subjects.sort();
        subjects
    };
    shop_testkit::eventually("the mails of both orders", FLOW, || async {
        (subjects_for(&shipped.id).len() == 3 && subjects_for(&cancelled.id).len() == 2)
            .then_some(())
    })
    .await;
    assert_eq!(
        subjects_for(&shipped.id),
        [
            "We received your order #",
            "Your order # has shipped",
            "Your order # is confirmed"
        ]
    );
    assert_eq!(
        subjects_for(&cancelled.id),
        ["We received your order #", "Your order # was cancelled"]
    );
    let to = format!("{}@example.com", buyer.user_id);
    assert!(flow.mail.sent().iter().all(|mail| mail.to == to));
    flow.shut_down().await;
}

#[tokio::test]
async fn a_poison_message_is_dead_lettered_and_later_orders_still_flow() {
    let flow = Flow::start().await;
    let product = flow.product(5).await;
    let topic = flow.kafka.topic(EventType::OrderCreated);
    shop_common::events::kafka::ensure_topics(&flow.kafka, std::slice::from_ref(&topic))
        .await
        .unwrap();
    let producer = shop_common::events::EventProducer::new(&flow.kafka).unwrap();
    producer
        .send(&topic, "poison", b"\xff not json", &[])
        .await
        .unwrap();

    let placed = flow.order(&customer(), product, 1).await;
    flow.reaches(&placed.id, OrderStatus::Shipped).await;

    let dlq = KafkaConfig::dlq_topic(&topic);
    let dead = first_record(&flow.kafka, &dlq).await;
    assert_eq!(dead, b"\xff not json");
    flow.shut_down().await;
}

/// The first record of `topic`, read by a fresh group.
async fn first_record(kafka: &KafkaConfig, topic: &str) -> Vec<u8> {
    use rdkafka::Message;
    use rdkafka::consumer::{Consumer, StreamConsumer};
    let consumer: StreamConsumer = kafka
        .client_config()
        .set("group.id", kafka.group("dlq-reader"))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let message = tokio::time::timeout(FLOW, consumer.recv())
        .await
        .expect("a dead letter")
        .unwrap();
    message.payload().unwrap_or_default().to_vec()
}

#[tokio::test]
async fn a_repeated_idempotency_key_returns_the_first_order() {
    let flow = Flow::start().await;
    let product = flow.product(5).await;
    let buyer = customer();
    let request = CreateOrderRequest {
        actor: Some(buyer.clone()),
        user_email: "ada@example.com".into(),
        lines: vec![OrderLine {
            product_id: product.to_string(),
            quantity: 1,
        }],
        idempotency_key: Some("checkout-42".into()),
    };
    let first = flow
        .orders
        .clone()
        .create_order(request.clone())
        .await
        .unwrap()
        .into_inner();
    let again = flow
        .orders
        .clone()
        .create_order(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(first.id, again.id);
    flow.reaches(&first.id, OrderStatus::Shipped).await;
    assert_eq!(flow.stock_of(product).await, 4, "the retry reserved again");
    flow.shut_down().await;
}
