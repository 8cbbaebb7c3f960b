//! The producer against the real Kafka-protocol broker (that what it sends arrives
//! is shown by the consumer's tests): concurrent sends are acknowledged, a send to a
//! broker that is not there fails (after the delivery timeout) instead of hanging, and
//! a dropped producer stops its polling thread. The tests count this process's
//! threads, so they run one at a time.

use std::time::Duration;

use shop_common::events::kafka::ensure_topics;
use shop_common::events::{EventProducer, EventType, KafkaConfig};
use shop_testkit::{eventually, kafka};
use uuid::Uuid;

/// Held by each test: a producer of another test would change the thread count.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The polling threads of this process's producers.
fn polling_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task is readable")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|name| name.trim() == "kafka-producer")
        .count()
}

#[tokio::test]
async fn sends_are_acknowledged_and_a_dropped_producer_stops_polling() {
    let _alone = ONE_AT_A_TIME.lock().await;
    let kafka = kafka::kafka().await;
    let config = kafka.config("producer-test");
    let topic = config.topic(EventType::OrderCreated);
    ensure_topics(&config, std::slice::from_ref(&topic))
        .await
        .expect("topic created");
    // The other test's producer may still be finishing its last round.
    eventually(
        "no producer left polling",
        Duration::from_secs(10),
        || async { (polling_threads() == 0).then_some(()) },
    )
    .await;

    let producer = EventProducer::new(&config).expect("a producer");
    // The thread names itself once it runs.
    eventually(
        "the producer's polling thread",
        Duration::from_secs(10),
        || async { (polling_threads() == 1).then_some(()) },
    )
    .await;
    let sends = (0..20).map(|n| {
        let (producer, topic) = (producer.clone(), topic.clone());
        async move {
            let key = Uuid::now_v7().to_string();
            producer
                .send(&topic, &key, format!("{n}").as_bytes(), &[])
                .await
        }
    });
    for sent in futures::future::join_all(sends).await {
        sent.expect("the broker acknowledged the record");
    }
    drop(producer);
    eventually(
        "the polling thread stopped",
        Duration::from_secs(10),
        || async { (polling_threads() == 0).then_some(()) },
    )
    .await;
}

#[tokio::test]
async fn a_send_nobody_acknowledges_fails_instead_of_hanging() {
    let _alone = ONE_AT_A_TIME.lock().await;
    // A port nothing listens on: the record can never be delivered.
    let unused = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = unused.local_addr().expect("its address");
    drop(unused);
    let config = KafkaConfig {
        brokers: address.to_string().parse().expect("host:port"),
        ..kafka::kafka().await.config("producer-test")
    };
    let producer = EventProducer::new(&config).expect("a producer");

    let sent = tokio::time::timeout(
        Duration::from_secs(60),
        producer.send("nowhere", "key", b"payload", &[]),
    )
    .await
    .expect("the send ends once its delivery timeout is up");

    assert!(sent.is_err(), "{sent:?}");
}
