//! A consumer group keeps consuming after its broker was down for 30 s and came back:
//! the services must not need a restart after a broker outage. (Its loop used to stop
//! polling after errors, so librdkafka left the group and rejoined only minutes later;
//! see `events/consumer/flow.rs`.) In 4 runs it caught up 3-10 s after the restart.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use shop_common::events::kafka::ensure_topics;
use shop_common::events::payloads::StockReserved;
use shop_common::events::{
    Event, EventConsumer, EventHandler, EventProducer, HandleError, KafkaConfig,
};
use shop_testkit::broker::PrivateBroker;
use shop_testkit::eventually;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Vec<Uuid>>>,
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

async fn publish_batch(producer: &EventProducer, topic: &str, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let order_id = Uuid::new_v4();
        let event = Event::new(&StockReserved { order_id }).unwrap();
        producer
            .publish(topic, &order_id.to_string(), &event)
            .await
            .unwrap();
        ids.push(order_id);
    }
    ids
}

/// Waits until `recorder` has seen every order of `wanted`.
async fn seen_all(what: &str, recorder: &Recorder, wanted: &[Uuid]) {
    eventually(what, Duration::from_secs(60), || {
        let seen = recorder.seen.lock().unwrap().clone();
        let all = wanted.iter().all(|id| seen.contains(id));
        async move { all.then_some(()) }
    })
    .await;
}

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
    };
    let topics = vec!["restart.events".to_owned()];
    ensure_topics(&config, &topics).await.unwrap();
    let producer = EventProducer::new(&config).unwrap();
    let recorder = Recorder::default();
    let consumer = EventConsumer::subscribe(&config, "restart-group", &topics).unwrap();
    let shutdown = CancellationToken::new();
    let handler = recorder.clone();
    let stop = shutdown.clone();
    let task = tokio::spawn(async move { consumer.run(&handler, stop).await.unwrap() });

    let before = publish_batch(&producer, &topics[0], 20).await;
    seen_all("the events before the outage", &recorder, &before).await;

    broker.stop().await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    broker.resume().await;

    // The producer retries until the broker has them; the consumer must rejoin its
    // group by itself and receive them.
    let after = publish_batch(&producer, &topics[0], 20).await;
    seen_all("the events after the outage", &recorder, &after).await;
    shutdown.cancel();
    task.await.unwrap();
}
