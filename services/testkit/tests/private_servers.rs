//! The private servers keep their data across a crash (PostgreSQL) or come back empty
//! (Redis), on the same address; a consumer group's lag is counted from the broker.

use std::time::Duration;

use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use redis::AsyncCommands;
use shop_testkit::broker::PrivateBroker;
use shop_testkit::kafka::group_lag;
use shop_testkit::postgres_server::PrivatePostgres;
use shop_testkit::redis_server::PrivateRedis;

#[tokio::test]
async fn private_postgres_keeps_committed_rows_across_a_crash() {
    let server = PrivatePostgres::start().await;
    let pool = sqlx::PgPool::connect(&server.url()).await.unwrap();
    sqlx::query("CREATE TABLE notes (body TEXT NOT NULL)")
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query("INSERT INTO notes VALUES ('kept')")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    server.stop().await;
    let address = server
        .url()
        .replace("postgres://postgres@", "")
        .replace("/postgres", "");
    assert!(tokio::net::TcpStream::connect(&address).await.is_err());
    server.resume().await;

    let pool = sqlx::PgPool::connect(&server.url()).await.unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM notes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(body, "kept");
}

#[tokio::test]
async fn private_redis_comes_back_empty_on_the_same_address() {
    let mut server = PrivateRedis::start().await;
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let _: () = connection.set("key", "value").await.unwrap();

    server.stop().await;
    assert!(client.get_multiplexed_async_connection().await.is_err());
    server.resume().await;

    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let value: Option<String> = connection.get("key").await.unwrap();
    assert_eq!(value, None, "no persistence");
}

#[tokio::test]
async fn group_lag_counts_what_the_group_has_not_committed() {
    let broker = PrivateBroker::start().await;
    let topic = "lagging".to_owned();
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", broker.address())
        .create()
        .unwrap();
    let new_topic = NewTopic::new(&topic, 1, TopicReplication::Fixed(1));
    for result in admin
        .create_topics([&new_topic], &AdminOptions::new())
        .await
        .unwrap()
    {
        result.unwrap();
    }
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", broker.address())
        .create()
        .unwrap();
    for n in 0..3 {
        let record = FutureRecord::to(&topic).key("k").payload("message");
        producer
            .send(record.partition(0), Duration::from_secs(30))
            .await
            .unwrap_or_else(|(error, _)| panic!("message {n} not sent: {error}"));
    }
    let topics = [topic.clone()];
    assert_eq!(group_lag(&broker.address(), "g", &topics).await.unwrap(), 3);

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", broker.address())
        .set("group.id", "g")
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .unwrap();
    consumer.subscribe(&["lagging"]).unwrap();
    for _ in 0..3 {
        let message = tokio::time::timeout(Duration::from_secs(60), consumer.recv())
            .await
            .expect("a message within a minute")
            .unwrap();
        consumer.commit_message(&message, CommitMode::Sync).unwrap();
    }
    assert_eq!(group_lag(&broker.address(), "g", &topics).await.unwrap(), 0);
}
