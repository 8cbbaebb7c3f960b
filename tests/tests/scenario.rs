//! The seed's full scenario and the order flow, over HTTP only, against the platform
//! started as `shopctl up` starts it.

mod support;

use reqwest::Method;
use serde_json::json;
use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Running};

#[tokio::test]
async fn the_seed_scenario_and_checkout_through_to_shipped() {
    let running = Running::start(21600).await;
    let api = Api::new(&running.base_url);

    // register, login, me
    let (user_id, user) = api.customer("scenario").await;
    let (status, me) = api.get("/auth/me", Some(&user)).await;
    assert_eq!(
        (status, me["data"]["id"].as_str()),
        (200, Some(user_id.as_str()))
    );
    assert_eq!(me["success"], true);
    assert_eq!(me["statusCode"], 200);

    // list users as admin
    let (_, admin) = api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (status, users) = api.get("/users?page=1&limit=100", Some(&admin)).await;
    assert_eq!(status, 200, "{users}");
    assert!(users["data"]["total"].as_u64().unwrap() >= 2);

    // create / list / get / search / update a product
    let name = format!("Scenario Lamp {}", uuid::Uuid::new_v4().simple());
    let body = json!({"name": name, "description": "a warm desk lamp", "price": 24.99, "stock": 5});
    let (status, created) = api.post("/products", Some(&admin), body).await;
    assert_eq!(status, 201, "{created}");
    let product = created["data"]["id"].as_str().unwrap().to_owned();
    assert_eq!(created["data"]["price"], json!(24.99));
    let (status, listed) = api
        .get("/products?page=1&limit=5&sort=created_at&order=desc", None)
        .await;
    assert_eq!((status, listed["data"]["limit"].as_u64()), (200, Some(5)));
    let (status, found) = api.get("/products/search?q=scenar", None).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = found["data"]["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert!(
        ids.contains(&product.as_str()),
        "prefix search missed the product: {found}"
    );
    let (status, fetched) = api.get(&format!("/products/{product}"), None).await;
    assert_eq!(
        (status, fetched["data"]["name"].as_str()),
        (200, Some(name.as_str()))
    );
    let (status, updated) = api
        .call(
            Method::PATCH,
            &format!("/products/{product}"),
            Some(&admin),
            Some(json!({"price": 20})),
        )
        .await;
    assert_eq!((status, &updated["data"]["price"]), (200, &json!(20.0)));

    // add to cart, get the cart, place an order, get it, clear the cart
    let (status, cart) = api
        .post(
            "/cart/add",
            Some(&user),
            json!({"productId": product, "quantity": 2}),
        )
        .await;
    assert_eq!(status, 200, "{cart}");
    assert_eq!(cart["data"]["totalPrice"], json!(40.0));
    let (status, cart) = api.get("/cart", Some(&user)).await;
    assert_eq!(
        (status, cart["data"]["totalItems"].as_u64()),
        (200, Some(2))
    );
    let order_body = json!({"products": [{"productId": product, "quantity": 1}]});
    let (status, order) = api.post("/orders", Some(&user), order_body).await;
    assert_eq!(
        (status, order["data"]["status"].as_str()),
        (201, Some("pending")),
        "{order}"
    );
    let order_id = order["data"]["id"].as_str().unwrap().to_owned();
    let (status, fetched) = api.get(&format!("/orders/{order_id}"), Some(&user)).await;
    assert_eq!(
        (status, fetched["data"]["items"][0]["quantity"].as_u64()),
        (200, Some(1))
    );
    let (status, cleared) = api.call(Method::DELETE, "/cart", Some(&user), None).await;
    assert_eq!(
        (status, cleared["data"]["totalItems"].as_u64()),
        (200, Some(0))
    );

    // checkout from the cart, through stock and shipping
    api.post(
        "/cart/add",
        Some(&user),
        json!({"productId": product, "quantity": 2}),
    )
    .await;
    let (status, checkout) = api
        .call(Method::POST, "/orders/checkout", Some(&user), None)
        .await;
    assert_eq!(status, 201, "{checkout}");
    let checkout_id = checkout["data"]["id"].as_str().unwrap().to_owned();
    let (_, cart) = api.get("/cart", Some(&user)).await;
    assert_eq!(cart["data"]["totalItems"], 0, "checkout empties the cart");
    let shipped = api.order_reaches(&checkout_id, &user, "shipped").await;
    assert!(
        shipped["data"]["shipment"]["trackingNumber"]
            .as_str()
            .unwrap()
            .starts_with("RS-")
    );
    api.order_reaches(&order_id, &user, "shipped").await;
    let (_, stock) = api.get(&format!("/products/{product}"), None).await;
    assert_eq!(stock["data"]["stock"], 2, "5 - 1 - 2");

    // the caller's orders, delete the product, delete the user
    let (status, mine) = api.get("/orders", Some(&user)).await;
    assert_eq!((status, mine["data"]["total"].as_u64()), (200, Some(2)));
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/products/{product}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    let (status, _) = api
        .call(
            Method::DELETE,
            &format!("/users/{user_id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, 200);
    running.stop().await;
}
