//! The cart and orders through the gateway: prices from the catalog, checkout, the
//! order flow to confirmed, and who sees which order.

mod support;

use serde_json::json;
use shop_testkit::eventually;
use support::{Options, Stack, WAIT, assert_error, error_fields};

fn shop() -> Options {
    Options {
        catalog: true,
        cart: true,
        orders: true,
        ..Options::default()
    }
}

#[tokio::test]
async fn the_cart_takes_names_and_prices_from_the_catalog() {
    let stack = Stack::start(Options {
        catalog: true,
        cart: true,
        ..Options::default()
    })
    .await;
    let product = stack.product(10).await;
    let user = stack.account("USER").await;
    let token = Some(user.token.as_str());
    let add = json!({"productId": product, "quantity": 2});
    let cart = stack.post("/api/v1/cart/add", token, add).await.expect(200);
    let data = cart.data();
    assert_eq!(data["userId"], json!(user.id));
    assert_eq!(data["items"][0]["name"], json!("Espresso cup"));
    assert_eq!(data["items"][0]["price"], json!(19.99));
    assert_eq!(
        (data["totalPrice"].clone(), data["totalItems"].clone()),
        (json!(39.98), json!(2))
    );

    let priced = json!({"productId": product, "quantity": 1, "price": 0.01});
    let refused = stack.post("/api/v1/cart/add", token, priced).await;
    assert_eq!(error_fields(&refused.expect(400)), ["price"]);
    let unknown = json!({"productId": uuid::Uuid::new_v4(), "quantity": 1});
    assert_error(
        &stack.post("/api/v1/cart/add", token, unknown).await,
        404,
        "/api/v1/cart/add",
    );
    let not_an_id = json!({"productId": "1 OR 1=1", "quantity": 1});
    let reply = stack.post("/api/v1/cart/add", token, not_an_id).await;
    assert_eq!(error_fields(&reply.expect(400)), ["productId"]);
}

#[tokio::test]
async fn cart_lines_change_and_go() {
    let stack = Stack::start(Options {
        catalog: true,
        cart: true,
        ..Options::default()
    })
    .await;
    let (cup, pot) = (stack.product(10).await, stack.product(10).await);
    let user = stack.account("USER").await;
    let token = Some(user.token.as_str());
    for product in [&cup, &pot] {
        let add = json!({"productId": product, "quantity": 1});
        stack.post("/api/v1/cart/add", token, add).await.expect(200);
    }
    let line = format!("/api/v1/cart/items/{cup}");
    let set = stack
        .patch(&line, token, json!({"quantity": 3}))
        .await
        .expect(200);
    assert_eq!(set.data()["totalItems"], json!(4));
    let removed = stack
        .delete(&format!("/api/v1/cart/items/{pot}"), token)
        .await
        .expect(200);
    assert_eq!(removed.data()["items"].as_array().unwrap().len(), 1);
    let cleared = stack.delete("/api/v1/cart", token).await.expect(200);
    assert_eq!(cleared.data()["items"], json!([]));
    assert_eq!(
        stack.get("/api/v1/cart", token).await.expect(200).data()["totalPrice"],
        json!(0.0)
    );
    let missing = stack.patch(&line, token, json!({"quantity": 1})).await;
    assert_error(&missing, 404, &line);
}

#[tokio::test]
async fn checkout_orders_the_cart_empties_it_and_the_order_is_confirmed() {
    let stack = Stack::start(Options::everything()).await;
    let product = stack.product(10).await;
    let user = stack.account("USER").await;
    let token = Some(user.token.as_str());
    let add = json!({"productId": product, "quantity": 3});
    stack.post("/api/v1/cart/add", token, add).await.expect(200);

    let order = stack
        .post("/api/v1/orders/checkout", token, json!({}))
        .await
        .expect(201);
    let order = order.data();
    assert_eq!(order["status"], json!("pending"));
    assert_eq!(order["userId"], json!(user.id));
    assert_eq!(order["totalPrice"], json!(59.97));
    assert_eq!(order["items"][0]["quantity"], json!(3));
    let cart = stack.get("/api/v1/cart", token).await.expect(200);
    assert_eq!(cart.data()["items"], json!([]));

    let path = format!("/api/v1/orders/{}", order["id"].as_str().unwrap());
    eventually("the order to be confirmed", WAIT, || async {
        let reply = stack.get(&path, token).await.expect(200);
        (reply.data()["status"] == json!("confirmed")).then_some(())
    })
    .await;
    let stock = stack
        .get(&format!("/api/v1/products/{product}"), None)
        .await;
    assert_eq!(stock.data()["stock"], json!(7));
}

#[tokio::test]
async fn checkout_of_an_empty_cart_is_409() {
    let stack = Stack::start(shop()).await;
    let user = stack.account("USER").await;
    let path = "/api/v1/orders/checkout";
    let reply = stack.post(path, Some(&user.token), json!({})).await;
    assert_error(&reply, 409, path);
    assert_eq!(reply.body["error"]["message"], json!("The cart is empty"));
}

#[tokio::test]
async fn another_users_order_is_404_and_lists_show_only_ones_own() {
    let stack = Stack::start(shop()).await;
    let product = stack.product(10).await;
    let (ada, bob) = (stack.account("USER").await, stack.account("USER").await);
    let body = json!({"products": [{"productId": product, "quantity": 1}]});
    let order = stack
        .post("/api/v1/orders", Some(&ada.token), body)
        .await
        .expect(201);
    assert_eq!(order.data()["status"], json!("pending"));
    let path = format!("/api/v1/orders/{}", order.data()["id"].as_str().unwrap());

    stack.get(&path, Some(&ada.token)).await.expect(200);
    assert_error(&stack.get(&path, Some(&bob.token)).await, 404, &path);
    let bobs = stack
        .get("/api/v1/orders", Some(&bob.token))
        .await
        .expect(200);
    assert_eq!(bobs.data()["total"], json!(0));
    let peek = format!("/api/v1/orders?userId={}", ada.id);
    assert_error(
        &stack.get(&peek, Some(&bob.token)).await,
        403,
        "/api/v1/orders",
    );

    let admin = stack.account("ADMIN").await;
    stack.get(&path, Some(&admin.token)).await.expect(200);
    let adas = stack.get(&peek, Some(&admin.token)).await.expect(200);
    assert_eq!(adas.data()["total"], json!(1));
    assert_eq!(adas.data()["data"][0]["id"], order.data()["id"]);
}

#[tokio::test]
async fn only_administrators_change_an_orders_status() {
    let stack = Stack::start(shop()).await;
    let product = stack.product(10).await;
    let user = stack.account("USER").await;
    let body = json!({"products": [{"productId": product, "quantity": 1}]});
    let order = stack
        .post("/api/v1/orders", Some(&user.token), body)
        .await
        .expect(201);
    let path = format!(
        "/api/v1/orders/{}/status",
        order.data()["id"].as_str().unwrap()
    );
    let cancel = json!({"status": "cancelled", "reason": "changed my mind"});
    assert_error(
        &stack.patch(&path, Some(&user.token), cancel.clone()).await,
        403,
        &path,
    );

    let admin = stack.account("ADMIN").await;
    let cancelled = stack
        .patch(&path, Some(&admin.token), cancel)
        .await
        .expect(200);
    assert_eq!(cancelled.data()["status"], json!("cancelled"));
    assert_eq!(cancelled.data()["cancelReason"], json!("changed my mind"));
    let deliver = stack
        .patch(&path, Some(&admin.token), json!({"status": "delivered"}))
        .await;
    assert_error(&deliver, 409, &path);
}

#[tokio::test]
async fn an_idempotency_key_places_one_order_and_bad_lines_are_named() {
    let stack = Stack::start(shop()).await;
    let product = stack.product(10).await;
    let user = stack.account("USER").await;
    let body = json!({"products": [{"productId": product, "quantity": 2}]});
    let place = || {
        stack.send(
            stack
                .http
                .post(stack.url("/api/v1/orders"))
                .bearer_auth(&user.token)
                .header("idempotency-key", "order-once-1")
                .json(&body),
        )
    };
    let first = place().await.expect(201);
    let second = place().await.expect(201);
    assert_eq!(first.data()["id"], second.data()["id"]);

    let bad = json!({"products": [{"productId": product, "quantity": 0}]});
    let reply = stack.post("/api/v1/orders", Some(&user.token), bad).await;
    assert_eq!(error_fields(&reply.expect(400)), ["products[0].quantity"]);
}
