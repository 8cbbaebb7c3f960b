//! The harness really talks to each of the four servers, and isolates tests from
//! each other.

use std::time::Duration;

use mongodb::bson::{Document, doc};
use rdkafka::ClientConfig;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::producer::{FutureProducer, FutureRecord};
use redis::AsyncCommands;
use shop_testkit::{kafka, mongo, postgres, redis as test_redis};

#[tokio::test]
async fn postgres_write_then_read_back() {
    let db = postgres::empty_database().await;
    sqlx::query("CREATE TABLE notes (id INT PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO notes VALUES (1, 'hello')")
        .execute(&db.pool)
        .await
        .unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM notes WHERE id = 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(body, "hello");
}

#[tokio::test]
async fn postgres_databases_are_isolated() {
    let a = postgres::empty_database().await;
    let b = postgres::empty_database().await;
    assert_ne!(a.name, b.name);
    sqlx::query("CREATE TABLE only_in_a (id INT)")
        .execute(&a.pool)
        .await
        .unwrap();
    let seen_from_b: Option<String> = sqlx::query_scalar("SELECT to_regclass('only_in_a')::text")
        .fetch_one(&b.pool)
        .await
        .unwrap();
    assert_eq!(seen_from_b, None);
}

#[tokio::test]
async fn redis_write_then_read_back_under_the_test_prefix() {
    let mut redis = test_redis::redis().await;
    let key = redis.key("greeting");
    assert!(key.starts_with(&redis.prefix));
    let _: () = redis.connection.set(&key, "hello").await.unwrap();
    let value: String = redis.connection.get(&key).await.unwrap();
    assert_eq!(value, "hello");

    let other = test_redis::redis().await;
    let mut connection = other.connection.clone();
    let absent: Option<String> = connection.get(other.key("greeting")).await.unwrap();
    assert_eq!(absent, None);
}

#[tokio::test]
async fn mongo_write_then_read_back() {
    let mongo = mongo::mongo().await;
    let carts = mongo.db().collection::<Document>("carts");
    carts
        .insert_one(doc! { "userId": "u1", "items": [] })
        .await
        .unwrap();
    let found = carts
        .find_one(doc! { "userId": "u1" })
        .await
        .unwrap()
        .expect("the document just inserted");
    assert_eq!(found.get_str("userId").unwrap(), "u1");

    let other = mongo::mongo().await;
    assert_ne!(other.database, mongo.database);
    let elsewhere = other
        .db()
        .collection::<Document>("carts")
        .find_one(doc! { "userId": "u1" })
        .await
        .unwrap();
    assert!(elsewhere.is_none());
}

#[tokio::test]
async fn kafka_produce_then_consume_in_a_consumer_group() {
    let kafka = kafka::kafka().await;
    let topic = kafka.topic("harness");
    let config = kafka.config("harness");
    shop_common::events::kafka::ensure_topics(&config, std::slice::from_ref(&topic))
        .await
        .unwrap();

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .create()
        .unwrap();
    for i in 0..3 {
        producer
            .send(
                FutureRecord::to(&topic).key("k").payload(&format!("m{i}")),
                Duration::from_secs(10),
            )
            .await
            .map_err(|(e, _)| e)
            .unwrap();
    }

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", &kafka.brokers)
        .set("group.id", kafka.group("harness"))
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&[&topic]).unwrap();
    let mut received = Vec::new();
    while received.len() < 3 {
        let message = tokio::time::timeout(Duration::from_secs(30), consumer.recv())
            .await
            .expect("messages arrive within 30 s")
            .unwrap();
        received.push(String::from_utf8(message.payload().unwrap().to_vec()).unwrap());
    }
    assert_eq!(received, ["m0", "m1", "m2"], "one key keeps its order");
}
