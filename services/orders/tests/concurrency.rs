//! The invariant under concurrency: stock never goes below zero and is never taken
//! twice for one order.

mod support;

use futures::future::join_all;
use shop_proto::orders::v1::OrderStatus;
use support::{Flow, customer};

#[tokio::test]
async fn two_hundred_orders_for_ten_units_confirm_exactly_ten() {
    let flow = Flow::start().await;
    let product = flow.product(10).await;

    let placed = join_all((0..200).map(|_| {
        let flow = &flow;
        async move { flow.order(&customer(), product, 1).await }
    }))
    .await;

    let mut settled = Vec::with_capacity(placed.len());
    for order in &placed {
        settled.push(flow.settles(&order.id).await);
    }
    let shipped = settled
        .iter()
        .filter(|o| o.status() == OrderStatus::Shipped)
        .count();
    let cancelled = settled
        .iter()
        .filter(|o| o.status() == OrderStatus::Cancelled)
        .count();
    assert_eq!((shipped, cancelled), (10, 190));
    assert_eq!(flow.stock_of(product).await, 0);
    flow.shut_down().await;
}
