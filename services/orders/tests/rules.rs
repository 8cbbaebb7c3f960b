//! Who may see and change which order, and what a request must look like.

mod support;

use shop_proto::orders::v1::{
    CreateOrderRequest, GetOrderRequest, ListOrdersRequest, OrderLine, OrderStatus,
    UpdateOrderStatusRequest,
};
use support::{Flow, admin, customer};
use tonic::Code;
use uuid::Uuid;

#[tokio::test]
async fn another_customers_order_is_not_found_and_not_listed() {
    let flow = Flow::start().await;
    let product = flow.product(5).await;
    let (alice, bob) = (customer(), customer());
    let order = flow.order(&alice, product, 1).await;

    let status = flow
        .orders
        .clone()
        .get_order(GetOrderRequest {
            id: order.id.clone(),
            actor: Some(bob.clone()),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);

    let listed = flow
        .orders
        .clone()
        .list_orders(ListOrdersRequest {
            actor: Some(bob.clone()),
            user_id: None,
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert!(listed.orders.is_empty());

    let snooping = flow
        .orders
        .clone()
        .list_orders(ListOrdersRequest {
            actor: Some(bob),
            user_id: Some(alice.user_id.clone()),
            page: None,
        })
        .await
        .unwrap_err();
    assert_eq!(snooping.code(), Code::PermissionDenied);

    let by_admin = flow
        .orders
        .clone()
        .list_orders(ListOrdersRequest {
            actor: Some(admin()),
            user_id: Some(alice.user_id.clone()),
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(by_admin.orders.len(), 1);
    assert_eq!(by_admin.page.unwrap().total, 1);
    flow.shut_down().await;
}

#[tokio::test]
async fn only_admins_change_a_status_and_only_along_legal_transitions() {
    let flow = Flow::start().await;
    let product = flow.product(5).await;
    let buyer = customer();
    let order = flow.order(&buyer, product, 2).await;
    let change = |actor, status: OrderStatus| UpdateOrderStatusRequest {
        id: order.id.clone(),
        status: status.into(),
        reason: Some("customer asked".into()),
        actor: Some(actor),
    };

    let by_owner = flow
        .orders
        .clone()
        .update_order_status(change(buyer.clone(), OrderStatus::Cancelled))
        .await;
    assert_eq!(by_owner.unwrap_err().code(), Code::PermissionDenied);

    let confirmed_by_hand = flow
        .orders
        .clone()
        .update_order_status(change(admin(), OrderStatus::Confirmed))
        .await;
    assert_eq!(
        confirmed_by_hand.unwrap_err().code(),
        Code::FailedPrecondition
    );

    for reason in ["x".repeat(501), "lost\0".to_owned()] {
        let unreadable = flow
            .orders
            .clone()
            .update_order_status(UpdateOrderStatusRequest {
                reason: Some(reason),
                ..change(admin(), OrderStatus::Cancelled)
            })
            .await;
        assert_eq!(unreadable.unwrap_err().code(), Code::InvalidArgument);
    }

    let shipped = flow.reaches(&order.id, OrderStatus::Shipped).await;
    assert_eq!(shipped.status(), OrderStatus::Shipped);
    let too_late = flow
        .orders
        .clone()
        .update_order_status(change(admin(), OrderStatus::Cancelled))
        .await;
    assert_eq!(too_late.unwrap_err().code(), Code::FailedPrecondition);

    let delivered = flow
        .orders
        .clone()
        .update_order_status(change(admin(), OrderStatus::Delivered))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(delivered.status(), OrderStatus::Delivered);
    flow.shut_down().await;
}

#[tokio::test]
async fn cancelling_a_confirmed_order_gives_its_stock_back() {
    let flow = Flow::without_shipping().await;
    let product = flow.product(5).await;
    let order = flow.order(&customer(), product, 3).await;
    flow.reaches(&order.id, OrderStatus::Confirmed).await;
    assert_eq!(flow.stock_of(product).await, 2);

    let cancelled = flow
        .orders
        .clone()
        .update_order_status(UpdateOrderStatusRequest {
            id: order.id.clone(),
            status: OrderStatus::Cancelled.into(),
            reason: None,
            actor: Some(admin()),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(cancelled.status(), OrderStatus::Cancelled);
    assert_eq!(
        cancelled.cancel_reason.as_deref(),
        Some("cancelled by an administrator")
    );
    shop_testkit::eventually("the stock to come back", support::FLOW, || async {
        (flow.stock_of(product).await == 5).then_some(())
    })
    .await;
    flow.shut_down().await;
}

#[tokio::test]
async fn a_bad_order_is_refused_field_by_field() {
    let flow = Flow::start().await;
    let unknown = Uuid::now_v7();
    let request = |lines: Vec<OrderLine>| CreateOrderRequest {
        actor: Some(customer()),
        user_email: "ada@example.com".into(),
        lines,
        idempotency_key: None,
    };
    let line = |product: String, quantity| OrderLine {
        product_id: product,
        quantity,
    };

    let empty = flow
        .orders
        .clone()
        .create_order(request(vec![]))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);

    let bad = flow
        .orders
        .clone()
        .create_order(request(vec![
            line("not-a-uuid".into(), 1),
            line(unknown.to_string(), 1000),
        ]))
        .await
        .unwrap_err();
    assert_eq!(bad.code(), Code::InvalidArgument);
    assert!(
        bad.message().contains("products[0].productId"),
        "{}",
        bad.message()
    );
    assert!(
        bad.message().contains("products[1].quantity"),
        "{}",
        bad.message()
    );

    let missing = flow
        .orders
        .clone()
        .create_order(request(vec![line(unknown.to_string(), 1)]))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Code::NotFound);
    assert!(
        missing.message().contains(&unknown.to_string()),
        "{}",
        missing.message()
    );

    let anonymous = flow
        .orders
        .clone()
        .create_order(CreateOrderRequest {
            actor: None,
            ..request(vec![line(unknown.to_string(), 1)])
        })
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::PermissionDenied);
    flow.shut_down().await;
}
