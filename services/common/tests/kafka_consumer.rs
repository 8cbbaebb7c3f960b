//! The consumer loop against the real Kafka-protocol broker: events are handled once
//! per group, poison messages go to the dead-letter topic without blocking the
//! partition, offsets committed on shutdown are not redelivered, and a group keeps
//! consuming after its broker was down and came back.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shop_common::events::kafka::ensure_topics;
use shop_common::events::payloads::StockReserved;
use shop_common::events::{
    Event, EventConsumer, EventHandler, EventProducer, EventType, HandleError, KafkaConfig,
};
use shop_testkit::broker::PrivateBroker;
use shop_testkit::{eventually, kafka};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

const WAIT: Duration = Duration::from_secs(60);

/// Records the orders it saw.
#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Uuid>>>,
}

impl Recorder {
    fn seen(&self) -> Vec<Uuid> {
        self.seen.lock().unwrap().clone()
    }
}

impl EventHandler for Recorder {
    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let payload: StockReserved = event
            .payload()
            .map_err(|e| HandleError::Permanent(e.to_string()))?;
        self.seen.lock().unwrap().push(payload.order_id);
        Ok(())
    }
}

async fn publish(producer: &EventProducer, topic: &str, order_id: Uuid) {
    let event = Event::new(&StockReserved { order_id }).unwrap();
    producer
        .publish(topic, &order_id.to_string(), &event)
        .await
        .unwrap();
}

fn start(
    config: &KafkaConfig,
    group: &str,
    topic: &str,
    handler: Recorder,
) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let consumer = EventConsumer::subscribe(config, group, &[topic.to_owned()]).unwrap();
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let task = tokio::spawn(async move { consumer.run(&handler, stop).await.unwrap() });
    (shutdown, task)
}

#[tokio::test]
async fn poison_goes_to_the_dead_letter_topic_and_later_events_still_flow() {
    let kafka = kafka::kafka().await;
    let config = kafka.config("consumer-test");
    let topic = config.topic(EventType::StockReserved);
    let dlq = KafkaConfig::dlq_topic(&topic);
    ensure_topics(&config, &[topic.clone(), dlq.clone()])
        .await
        .unwrap();
    let producer = EventProducer::new(&config).unwrap();

    let key = Uuid::now_v7().to_string();
    producer
        .send(&topic, &key, b"{not an event", &[])
        .await
        .unwrap();
    let after = Uuid::now_v7();
    publish(&producer, &topic, after).await;

    let recorder = Recorder::default();
    let (shutdown, task) = start(&config, &kafka.group("main"), &topic, recorder.clone());
    eventually("the event after the poison message", WAIT, || async {
        recorder.seen().contains(&after).then_some(())
    })
    .await;

    // The dead-letter topic holds the poison message as it was, with the reason.
    let raw = read_raw(&kafka.brokers, &dlq, &kafka.group("raw")).await;
    assert_eq!(raw.payload, b"{not an event");
    assert!(raw.error.contains("not an event envelope"), "{}", raw.error);
    assert_eq!(raw.key, key);

    shutdown.cancel();
    task.await.unwrap();
}

struct RawRecord {
    key: String,
    payload: Vec<u8>,
    error: String,
}

async fn read_raw(brokers: &str, topic: &str, group: &str) -> RawRecord {
    use rdkafka::consumer::{Consumer, StreamConsumer};
    use rdkafka::message::{Headers, Message};
    let consumer: StreamConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let message = tokio::time::timeout(WAIT, consumer.recv())
        .await
        .expect("a dead letter arrives")
        .unwrap();
    let error = message
        .headers()
        .and_then(|headers| {
            headers
                .iter()
                .find(|h| h.key == "dlq_error")
                .and_then(|h| h.value.map(|v| String::from_utf8_lossy(v).into_owned()))
        })
        .unwrap_or_default();
    RawRecord {
        key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
        payload: message.payload().unwrap_or_default().to_vec(),
        error,
    }
}

#[tokio::test]
async fn committed_events_are_not_redelivered_to_the_group() {
    let kafka = kafka::kafka().await;
    let config = kafka.config("consumer-test");
    let topic = config.topic(EventType::StockReserved);
    ensure_topics(&config, std::slice::from_ref(&topic))
        .await
        .unwrap();
    let producer = EventProducer::new(&config).unwrap();
    let group = kafka.group("orders");

    let first = Uuid::now_v7();
    publish(&producer, &topic, first).await;
    let recorder = Recorder::default();
    let (shutdown, task) = start(&config, &group, &topic, recorder.clone());
    eventually("the first event", WAIT, || async {
        recorder.seen().contains(&first).then_some(())
    })
    .await;
    shutdown.cancel();
    task.await.unwrap();

    // A new member of the same group starts after the committed offset.
    let second = Uuid::now_v7();
    publish(&producer, &topic, second).await;
    let again = Recorder::default();
    let (shutdown, task) = start(&config, &group, &topic, again.clone());
    eventually("the second event", WAIT, || async {
        again.seen().contains(&second).then_some(())
    })
    .await;
    shutdown.cancel();
    task.await.unwrap();
    assert_eq!(again.seen(), vec![second], "the committed event came back");
}

#[tokio::test]
async fn every_group_gets_every_event() {
    let kafka = kafka::kafka().await;
    let config = kafka.config("consumer-test");
    let topic = config.topic(EventType::StockReserved);
    ensure_topics(&config, std::slice::from_ref(&topic))
        .await
        .unwrap();
    let producer = EventProducer::new(&config).unwrap();
    let orders: Vec<Uuid> = (0..5).map(|_| Uuid::now_v7()).collect();
    for order in &orders {
        publish(&producer, &topic, *order).await;
    }

    let (a, b) = (Recorder::default(), Recorder::default());
    let (stop_a, task_a) = start(&config, &kafka.group("shipping"), &topic, a.clone());
    let (stop_b, task_b) = start(&config, &kafka.group("notification"), &topic, b.clone());
    for recorder in [&a, &b] {
        eventually("all five events in each group", WAIT, || async {
            (recorder.seen().len() >= 5).then_some(())
        })
        .await;
    }
    stop_a.cancel();
    stop_b.cancel();
    task_a.await.unwrap();
    task_b.await.unwrap();
    let mut seen_a = a.seen();
    seen_a.sort();
    let mut expected = orders.clone();
    expected.sort();
    assert_eq!(seen_a, expected);
}

/// Waits until `recorder` has seen every order of `wanted`.
async fn seen_all(what: &str, recorder: &Recorder, wanted: &[Uuid]) {
    eventually(what, WAIT, || async {
        let seen = recorder.seen();
        wanted.iter().all(|id| seen.contains(id)).then_some(())
    })
    .await;
}

async fn publish_new(producer: &EventProducer, topic: &str, count: usize) -> Vec<Uuid> {
    let mut orders = Vec::with_capacity(count);
    for _ in 0..count {
        let order = Uuid::now_v7();
        publish(producer, topic, order).await;
        orders.push(order);
    }
    orders
}

/// The services must not need a restart after a broker outage. (The loop used to stop
/// polling after errors, so librdkafka left the group and rejoined only minutes later;
/// see `events/consumer/flow.rs`.) In 8 runs it caught up 1-10 s after the restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consumers_resume_after_the_broker_restarts() {
    let mut broker = PrivateBroker::start().await;
    let config = KafkaConfig {
        brokers: broker.address().parse().unwrap(),
        topic_prefix: String::new(),
        partitions: 3,
        replication: 1,
        client_id: "restart-test".into(),
        fetch_wait: None,
        background_fetch_wait: None,
    };
    let topic = config.topic(EventType::StockReserved);
    ensure_topics(&config, std::slice::from_ref(&topic))
        .await
        .unwrap();
    let producer = EventProducer::new(&config).unwrap();
    let recorder = Recorder::default();
    let (shutdown, task) = start(&config, "restart-group", &topic, recorder.clone());

    let before = publish_new(&producer, &topic, 20).await;
    seen_all("the events before the outage", &recorder, &before).await;

    broker.stop().await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    broker.resume().await;

    // The producer retries until the broker has them; the consumer must rejoin its
    // group by itself and receive them.
    let after = publish_new(&producer, &topic, 20).await;
    seen_all("the events after the outage", &recorder, &after).await;
    shutdown.cancel();
    task.await.unwrap();
}
