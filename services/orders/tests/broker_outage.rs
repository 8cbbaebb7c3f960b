//! A broker outage loses no accepted order: orders keep accepting (the events wait in
//! the outbox) and every order is confirmed once the broker is back.

mod support;

use shop_proto::orders::v1::OrderStatus;
use shop_testkit::broker::PrivateBroker;
use support::{Flow, customer};

#[tokio::test]
async fn orders_accepted_while_the_broker_is_down_are_confirmed_after_it_returns() {
    let mut broker = PrivateBroker::start().await;
    let flow = Flow::start_on(&broker.address()).await;
    let product = flow.product(20).await;
    let before = flow.order(&customer(), product, 1).await;
    flow.reaches(&before.id, OrderStatus::Shipped).await;

    broker.stop().await;
    let mut during = Vec::new();
    for _ in 0..5 {
        let order = flow.order(&customer(), product, 1).await;
        assert_eq!(order.status(), OrderStatus::Pending);
        during.push(order);
    }
    broker.resume().await;

    for order in &during {
        flow.reaches(&order.id, OrderStatus::Shipped).await;
    }
    assert_eq!(flow.stock_of(product).await, 14);
    flow.shut_down().await;
}
