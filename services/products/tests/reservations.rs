//! Stock reservations: all or nothing, once per order, never below zero.

mod support;

use futures::future::join_all;
use shop_proto::products::v1 as pb;
use support::{TestService, invalid_fields, new_id, reserve_request};

fn shortage(
    product_id: &str,
    requested: i32,
    available: i32,
    reason: pb::ShortageReason,
) -> pb::StockShortage {
    pb::StockShortage {
        product_id: product_id.to_owned(),
        requested,
        available,
        reason: reason.into(),
    }
}

async fn release(service: &TestService, order_id: &str) -> bool {
    let request = pb::ReleaseStockRequest {
        order_id: order_id.to_owned(),
    };
    service
        .client
        .clone()
        .release_stock(request)
        .await
        .expect("ReleaseStock answers")
        .into_inner()
        .released
}

#[tokio::test]
async fn reserve_takes_every_item() {
    let service = support::start().await;
    let a = service.create("A", "", 100, 5).await;
    let b = service.create("B", "", 100, 2).await;

    let answer = service.reserve(&new_id(), &[(&a.id, 3), (&b.id, 2)]).await;

    assert!(answer.reserved);
    assert!(answer.shortages.is_empty());
    assert_eq!(service.stock_in_db(&a.id).await, 2);
    assert_eq!(service.stock_in_db(&b.id).await, 0);
}

#[tokio::test]
async fn reserve_is_all_or_nothing_and_names_every_shortage() {
    let service = support::start().await;
    let plenty = service.create("Plenty", "", 100, 10).await;
    let scarce = service.create("Scarce", "", 100, 1).await;
    let unknown = new_id();

    let answer = service
        .reserve(
            &new_id(),
            &[(&plenty.id, 4), (&scarce.id, 2), (&unknown, 1)],
        )
        .await;

    assert!(!answer.reserved);
    let mut shortages = answer.shortages;
    shortages.sort_by(|x, y| x.product_id.cmp(&y.product_id));
    let mut expected = vec![
        shortage(&scarce.id, 2, 1, pb::ShortageReason::InsufficientStock),
        shortage(&unknown, 1, 0, pb::ShortageReason::UnknownProduct),
    ];
    expected.sort_by(|x, y| x.product_id.cmp(&y.product_id));
    assert_eq!(shortages, expected);
    assert_eq!(service.stock_in_db(&plenty.id).await, 10);
    assert_eq!(service.stock_in_db(&scarce.id).await, 1);
}

#[tokio::test]
async fn second_reserve_for_the_same_order_changes_nothing() {
    let service = support::start().await;
    let product = service.create("Mug", "", 100, 10).await;
    let order = new_id();

    let first = service.reserve(&order, &[(&product.id, 3)]).await;
    // Even with other items, the order's reservation is the one already made.
    let second = service.reserve(&order, &[(&product.id, 5)]).await;

    assert!(first.reserved);
    assert_eq!(second, first);
    assert_eq!(service.stock_in_db(&product.id).await, 7);
}

#[tokio::test]
async fn a_refused_order_stays_refused_with_the_same_shortages() {
    let service = support::start().await;
    let product = service.create("Rare", "", 100, 1).await;
    let order = new_id();

    let first = service.reserve(&order, &[(&product.id, 2)]).await;
    let restock = pb::UpdateProductRequest {
        id: product.id.clone(),
        stock: Some(50),
        actor: Some(support::admin()),
        ..Default::default()
    };
    service
        .client
        .clone()
        .update_product(restock)
        .await
        .unwrap();
    let second = service.reserve(&order, &[(&product.id, 2)]).await;

    assert!(!first.reserved);
    assert_eq!(second, first);
    assert_eq!(service.stock_in_db(&product.id).await, 50);
}

#[tokio::test]
async fn release_gives_the_stock_back_once() {
    let service = support::start().await;
    let a = service.create("A", "", 100, 5).await;
    let b = service.create("B", "", 100, 5).await;
    let order = new_id();
    assert!(
        service
            .reserve(&order, &[(&a.id, 2), (&b.id, 5)])
            .await
            .reserved
    );

    assert!(release(&service, &order).await);
    assert!(!release(&service, &order).await);

    assert_eq!(service.stock_in_db(&a.id).await, 5);
    assert_eq!(service.stock_in_db(&b.id).await, 5);
    // The order's answer does not change: reserving it again takes nothing.
    assert!(service.reserve(&order, &[(&a.id, 2)]).await.reserved);
    assert_eq!(service.stock_in_db(&a.id).await, 5);
}

#[tokio::test]
async fn releasing_a_refused_or_unknown_order_changes_nothing() {
    let service = support::start().await;
    let product = service.create("Rare", "", 100, 1).await;
    let refused = new_id();
    assert!(
        !service
            .reserve(&refused, &[(&product.id, 5)])
            .await
            .reserved
    );

    assert!(!release(&service, &refused).await);
    assert!(!release(&service, &new_id()).await);
    assert_eq!(service.stock_in_db(&product.id).await, 1);
}

#[tokio::test]
async fn malformed_reservations_are_invalid() {
    let service = support::start().await;
    let request = reserve_request("not-an-order", &[("nope", 1), (&new_id(), 0)]);
    let status = service
        .client
        .clone()
        .reserve_stock(request)
        .await
        .unwrap_err();
    assert_eq!(
        invalid_fields(&status),
        ["order_id", "items[0].product_id", "items[1].quantity"]
    );
    let empty = reserve_request(&new_id(), &[]);
    let status = service
        .client
        .clone()
        .reserve_stock(empty)
        .await
        .unwrap_err();
    assert_eq!(invalid_fields(&status), ["items"]);
}

#[tokio::test]
async fn concurrent_reservations_never_oversell() {
    let service = support::start().await;
    let product = service.create("Hot item", "", 100, 10).await;

    let answers = join_all((0..200).map(|_| {
        let service = &service;
        let id = product.id.clone();
        async move { service.reserve(&new_id(), &[(&id, 1)]).await }
    }))
    .await;

    let reserved = answers.iter().filter(|a| a.reserved).count();
    assert_eq!(reserved, 10);
    for refused in answers.iter().filter(|a| !a.reserved) {
        assert_eq!(
            refused.shortages,
            [shortage(
                &product.id,
                1,
                0,
                pb::ShortageReason::InsufficientStock
            )]
        );
    }
    assert_eq!(service.stock_in_db(&product.id).await, 0);
}

#[tokio::test]
async fn concurrent_repeats_of_one_order_reserve_once() {
    let service = support::start().await;
    let product = service.create("Book", "", 100, 100).await;
    let order = new_id();

    let answers = join_all((0..50).map(|_| {
        let (service, order, id) = (&service, &order, &product.id);
        async move { service.reserve(order, &[(id, 3)]).await }
    }))
    .await;

    assert!(answers.iter().all(|a| a.reserved && a.shortages.is_empty()));
    assert_eq!(service.stock_in_db(&product.id).await, 97);
}

#[tokio::test]
async fn concurrent_releases_of_one_order_give_back_once() {
    let service = support::start().await;
    let product = service.create("Book", "", 100, 10).await;
    let order = new_id();
    assert!(service.reserve(&order, &[(&product.id, 4)]).await.reserved);

    let released = join_all((0..20).map(|_| release(&service, &order))).await;

    assert_eq!(released.iter().filter(|r| **r).count(), 1);
    assert_eq!(service.stock_in_db(&product.id).await, 10);
}

#[tokio::test]
async fn concurrent_orders_over_the_same_products_do_not_deadlock() {
    let service = support::start().await;
    let a = service.create("A", "", 100, 100).await;
    let b = service.create("B", "", 100, 100).await;

    // Half the orders list the products in the other order.
    let answers = join_all((0..40).map(|i| {
        let service = &service;
        let lines = if i % 2 == 0 {
            [(a.id.clone(), 1), (b.id.clone(), 2)]
        } else {
            [(b.id.clone(), 2), (a.id.clone(), 1)]
        };
        async move {
            let lines: Vec<(&str, i32)> = lines.iter().map(|(id, q)| (id.as_str(), *q)).collect();
            service.reserve(&new_id(), &lines).await
        }
    }))
    .await;

    assert!(answers.iter().all(|a| a.reserved));
    assert_eq!(service.stock_in_db(&a.id).await, 60);
    assert_eq!(service.stock_in_db(&b.id).await, 20);
}
