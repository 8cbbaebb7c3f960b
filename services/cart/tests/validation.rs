//! Invalid requests are refused before the database is touched, with every invalid
//! field named; the cart's limits hold.

mod support;

use mongodb::bson::{Document, doc};
use shop_proto::cart::v1 as pb;
use support::{add, get, id, lines, set_quantity, start};
use tonic::Code;

#[tokio::test]
async fn every_invalid_field_of_an_add_is_reported_at_once() {
    let mut cart = start().await;
    let request = pb::AddItemRequest {
        user_id: "not-a-uuid".into(),
        product_id: String::new(),
        name: "   ".into(),
        price: Some(shop_proto::common::v1::Money { cents: -1 }),
        quantity: 0,
    };

    let refused = cart.client.add_item(request).await.unwrap_err();

    assert_eq!(refused.code(), Code::InvalidArgument);
    for field in ["user_id:", "product_id:", "name:", "price:", "quantity:"] {
        assert!(refused.message().contains(field), "{field} in {refused:?}");
    }
}

#[tokio::test]
async fn an_add_without_a_price_is_invalid() {
    let mut cart = start().await;
    let mut request = support::add_request(&id(), &id(), "Mug", 100, 1);
    request.price = None;

    let refused = cart.client.add_item(request).await.unwrap_err();

    assert_eq!(refused.code(), Code::InvalidArgument);
    assert_eq!(refused.message(), "price: is required");
}

#[tokio::test]
async fn free_items_are_allowed() {
    let mut cart = start().await;
    let added = add(&mut cart.client, &id(), &id(), 0, 2).await.unwrap();
    assert_eq!(support::total_cents(&added), 0);
    assert_eq!(added.total_items, 2);
}

#[tokio::test]
async fn quantities_above_nine_hundred_ninety_nine_are_invalid() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());

    let too_many = add(&mut cart.client, &user, &mug, 100, 1000)
        .await
        .unwrap_err();
    assert_eq!(too_many.code(), Code::InvalidArgument);

    add(&mut cart.client, &user, &mug, 100, 999).await.unwrap();
    let set_too_many = set_quantity(&mut cart.client, &user, &mug, 1000)
        .await
        .unwrap_err();
    assert_eq!(set_too_many.code(), Code::InvalidArgument);
    assert!(
        set_too_many.message().starts_with("quantity:"),
        "{set_too_many:?}"
    );
}

#[tokio::test]
async fn merging_beyond_nine_hundred_ninety_nine_is_invalid_and_changes_nothing() {
    let mut cart = start().await;
    let (user, mug) = (id(), id());
    add(&mut cart.client, &user, &mug, 100, 998).await.unwrap();
    add(&mut cart.client, &user, &mug, 100, 1).await.unwrap();

    let refused = add(&mut cart.client, &user, &mug, 100, 1)
        .await
        .unwrap_err();

    assert_eq!(refused.code(), Code::InvalidArgument);
    assert!(refused.message().contains("999"), "{refused:?}");
    assert_eq!(lines(&get(&mut cart.client, &user).await), [(mug, 999)]);
}

#[tokio::test]
async fn a_cart_holds_at_most_a_hundred_lines() {
    let mut cart = start().await;
    let user = id();
    let products: Vec<String> = (0..100).map(|_| id()).collect();
    for product in &products {
        add(&mut cart.client, &user, product, 100, 1).await.unwrap();
    }

    let refused = add(&mut cart.client, &user, &id(), 100, 1)
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::FailedPrecondition);
    assert!(
        refused.message().contains("at most 100 lines"),
        "{refused:?}"
    );

    let merged = add(&mut cart.client, &user, &products[42], 100, 1)
        .await
        .unwrap();
    assert_eq!(merged.items.len(), 100);
    assert_eq!(merged.items[42].quantity, 2);
}

#[tokio::test]
async fn query_operators_in_place_of_ids_are_invalid_and_never_reach_the_database() {
    let mut cart = start().await;
    let injected = r#"{"$gt": ""}"#;
    let victim = id();
    add(&mut cart.client, &victim, &id(), 100, 1).await.unwrap();

    let read = cart
        .client
        .get_cart(pb::GetCartRequest {
            user_id: injected.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(read.code(), Code::InvalidArgument);
    let cleared = cart
        .client
        .clear_cart(pb::ClearCartRequest {
            user_id: injected.into(),
        })
        .await
        .unwrap_err();
    assert_eq!(cleared.code(), Code::InvalidArgument);
    let removed = support::remove(&mut cart.client, &victim, injected)
        .await
        .unwrap_err();
    assert_eq!(removed.code(), Code::InvalidArgument);

    assert_eq!(get(&mut cart.client, &victim).await.items.len(), 1);
    let carts = cart.mongo.db().collection::<Document>("carts");
    assert_eq!(carts.count_documents(doc! {}).await.unwrap(), 1);
}
