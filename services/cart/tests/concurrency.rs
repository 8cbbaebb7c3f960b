//! Concurrent changes to one cart never lose an update.

mod support;

use futures::future::join_all;
use mongodb::bson::{Document, doc};
use support::{add, get, id, start};

const CONCURRENT_ADDS: usize = 50;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_adds_of_one_product_end_with_quantity_fifty() {
    let cart = start().await;
    let (user, mug) = (id(), id());

    let adds = (0..CONCURRENT_ADDS).map(|_| {
        let (mut client, user, mug) = (cart.client.clone(), user.clone(), mug.clone());
        tokio::spawn(async move { add(&mut client, &user, &mug, 1999, 1).await })
    });
    for added in join_all(adds).await {
        added.expect("the task ran").expect("AddItem succeeded");
    }

    let read = get(&mut cart.client.clone(), &user).await;
    assert_eq!(support::lines(&read), [(mug, CONCURRENT_ADDS as u32)]);
    assert_eq!(support::total_cents(&read), 1999 * CONCURRENT_ADDS as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_adds_of_different_products_make_fifty_lines_in_one_cart() {
    let cart = start().await;
    let user = id();
    let products: Vec<String> = (0..CONCURRENT_ADDS).map(|_| id()).collect();

    let adds = products.iter().map(|product| {
        let (mut client, user, product) = (cart.client.clone(), user.clone(), product.clone());
        tokio::spawn(async move { add(&mut client, &user, &product, 100, 1).await })
    });
    for added in join_all(adds).await {
        added.expect("the task ran").expect("AddItem succeeded");
    }

    let read = get(&mut cart.client.clone(), &user).await;
    let mut in_cart: Vec<String> = read.items.iter().map(|i| i.product_id.clone()).collect();
    in_cart.sort();
    let mut expected = products.clone();
    expected.sort();
    assert_eq!(in_cart, expected);
    assert!(read.items.iter().all(|item| item.quantity == 1));
    let carts = cart.mongo.db().collection::<Document>("carts");
    assert_eq!(
        carts
            .count_documents(doc! { "userId": &user })
            .await
            .unwrap(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_adds_and_removals_of_other_lines_do_not_interfere() {
    let mut cart = start().await;
    let (user, kept) = (id(), id());
    let removed: Vec<String> = (0..20).map(|_| id()).collect();
    for product in &removed {
        add(&mut cart.client, &user, product, 100, 1).await.unwrap();
    }

    let adds = (0..20).map(|_| {
        let (mut client, user, kept) = (cart.client.clone(), user.clone(), kept.clone());
        tokio::spawn(async move { add(&mut client, &user, &kept, 100, 1).await.map(drop) })
    });
    let removals = removed.iter().map(|product| {
        let (mut client, user, product) = (cart.client.clone(), user.clone(), product.clone());
        tokio::spawn(async move {
            support::remove(&mut client, &user, &product)
                .await
                .map(drop)
        })
    });
    for done in join_all(adds.chain(removals)).await {
        done.expect("the task ran").expect("the call succeeded");
    }

    let read = get(&mut cart.client, &user).await;
    assert_eq!(support::lines(&read), [(kept, 20)]);
}
