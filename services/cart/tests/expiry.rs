//! Carts untouched for `CART_TTL` are removed by a TTL index on `updatedAt`.

mod support;

use std::time::Duration;

use mongodb::IndexModel;
use mongodb::bson::{Bson, Document, doc};
use shop_cart::App;
use shop_testkit::mongo::TestMongo;
use support::{add, id, set_quantity, start};

async fn expiry_indexes(mongo: &TestMongo) -> Vec<IndexModel> {
    use futures::TryStreamExt;
    let carts = mongo.db().collection::<Document>("carts");
    let indexes: Vec<IndexModel> = carts
        .list_indexes()
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    indexes
        .into_iter()
        .filter(|index| index.keys.len() == 1 && index.keys.contains_key("updatedAt"))
        .collect()
}

fn expire_after(index: &IndexModel) -> Option<Duration> {
    index
        .options
        .as_ref()
        .and_then(|options| options.expire_after)
}

#[tokio::test]
async fn the_expiry_index_removes_carts_after_the_configured_ttl() {
    let mongo = shop_testkit::mongo::mongo().await;
    drop(App::build(support::config(&mongo, "30d")).await.unwrap());

    let indexes = expiry_indexes(&mongo).await;

    assert_eq!(indexes.len(), 1, "{indexes:?}");
    assert_eq!(
        expire_after(&indexes[0]),
        Some(Duration::from_secs(30 * 86_400))
    );
}

#[tokio::test]
async fn a_changed_ttl_replaces_the_expiry_index() {
    let mongo = shop_testkit::mongo::mongo().await;
    drop(App::build(support::config(&mongo, "30d")).await.unwrap());

    drop(App::build(support::config(&mongo, "7d")).await.unwrap());
    let indexes = expiry_indexes(&mongo).await;

    assert_eq!(indexes.len(), 1, "{indexes:?}");
    assert_eq!(
        expire_after(&indexes[0]),
        Some(Duration::from_secs(7 * 86_400))
    );
}

#[tokio::test]
async fn a_restart_with_the_same_ttl_keeps_the_indexes() {
    let mongo = shop_testkit::mongo::mongo().await;
    drop(App::build(support::config(&mongo, "7d")).await.unwrap());
    drop(App::build(support::config(&mongo, "7d")).await.unwrap());

    let indexes = expiry_indexes(&mongo).await;

    assert_eq!(indexes.len(), 1, "{indexes:?}");
    assert_eq!(
        expire_after(&indexes[0]),
        Some(Duration::from_secs(7 * 86_400))
    );
}

#[tokio::test]
async fn every_change_stamps_updated_at_as_a_date() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());
    let carts = cart.mongo.db().collection::<Document>("carts");
    let updated_at = async |carts: &mongodb::Collection<Document>| {
        let stored = carts
            .find_one(doc! { "userId": &user })
            .await
            .unwrap()
            .unwrap();
        match stored.get("updatedAt") {
            // A TTL index only expires documents whose field is a date.
            Some(Bson::DateTime(at)) => *at,
            other => panic!("updatedAt is not a date: {other:?}"),
        }
    };

    add(&mut cart.client, &user, &mug, 100, 1).await.unwrap();
    let created = updated_at(&carts).await;
    add(&mut cart.client, &user, &mug, 100, 1).await.unwrap();
    let merged = updated_at(&carts).await;
    set_quantity(&mut cart.client, &user, &mug, 5)
        .await
        .unwrap();
    let set = updated_at(&carts).await;

    // The first stamp is the service's clock, later ones the database server's: only
    // the latter are compared.
    assert!(created.timestamp_millis() > 0);
    assert!(merged <= set, "{merged} then {set}");
}
