//! Killing stock in the middle of the stream loses no order and reserves none twice:
//! what it had not committed is redelivered, and products answers a repeated
//! reservation for an order without taking stock again.

mod support;

use shop_proto::orders::v1::OrderStatus;
use support::{Flow, customer};

#[tokio::test]
async fn a_crashed_stock_service_reserves_no_order_twice() {
    let mut flow = Flow::start().await;
    let product = flow.product(100).await;

    let mut placed = Vec::new();
    for _ in 0..15 {
        placed.push(flow.order(&customer(), product, 1).await);
    }
    // Crash while it works through the first orders, then more orders arrive.
    flow.reaches(&placed[0].id, OrderStatus::Shipped).await;
    flow.stock.take().expect("stock runs").crash();
    for _ in 0..15 {
        placed.push(flow.order(&customer(), product, 1).await);
    }
    flow.start_stock().await;

    for order in &placed {
        flow.reaches(&order.id, OrderStatus::Shipped).await;
    }
    assert_eq!(flow.stock_of(product).await, 70);
    flow.shut_down().await;
}
