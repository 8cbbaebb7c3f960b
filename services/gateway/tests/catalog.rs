//! The catalog through the gateway: who may change it, pages, search, exact money.

mod support;

use serde_json::json;
use support::{Options, Stack, assert_error, error_fields};

fn catalog() -> Options {
    Options {
        catalog: true,
        ..Options::default()
    }
}

fn cup(name: &str, price: serde_json::Value) -> serde_json::Value {
    json!({"name": name, "description": "White porcelain", "price": price, "stock": 5})
}

/// Creates a product as the account of `token`; its path.
async fn create(stack: &Stack, token: &str, body: serde_json::Value) -> String {
    let created = stack
        .post("/api/v1/products", Some(token), body)
        .await
        .expect(201);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    format!("/api/v1/products/{id}")
}

#[tokio::test]
async fn a_user_cannot_create_products_and_a_seller_cannot_delete_them() {
    let stack = Stack::start(catalog()).await;
    let user = stack.account("USER").await;
    let seller = stack.account("SELLER").await;
    let path = "/api/v1/products";
    let refused = stack
        .post(path, Some(&user.token), cup("Cup", json!(9.5)))
        .await;
    assert_error(&refused, 403, path);
    assert_error(
        &stack.post(path, None, cup("Cup", json!(9.5))).await,
        401,
        path,
    );

    let created = stack
        .post(path, Some(&seller.token), cup("Cup", json!(9.5)))
        .await
        .expect(201);
    assert_eq!(created.data()["sellerId"], json!(seller.id));
    let id = created.data()["id"].as_str().unwrap();
    let item = format!("/api/v1/products/{id}");
    assert_error(&stack.delete(&item, Some(&seller.token)).await, 403, &item);

    let admin = stack.account("ADMIN").await;
    stack.delete(&item, Some(&admin.token)).await.expect(200);
    assert_error(&stack.get(&item, None).await, 404, &item);
}

#[tokio::test]
async fn a_seller_replaces_and_patches_its_product() {
    let stack = Stack::start(catalog()).await;
    let seller = stack.account("SELLER").await;
    let item = create(&stack, &seller.token, cup("Cup", json!("12.00"))).await;

    let patched = stack
        .patch(&item, Some(&seller.token), json!({"price": 10.25}))
        .await
        .expect(200);
    assert_eq!(patched.data()["price"], json!(10.25));
    assert_eq!(patched.data()["description"], json!("White porcelain"));

    let replaced = stack
        .put(
            &item,
            Some(&seller.token),
            json!({"name": "Mug", "price": 8, "stock": 3}),
        )
        .await
        .expect(200);
    assert_eq!(replaced.data()["name"], json!("Mug"));
    assert_eq!(
        replaced.data()["description"],
        json!(""),
        "PUT replaces the product"
    );

    let other = stack.account("SELLER").await;
    let foreign = stack
        .patch(&item, Some(&other.token), json!({"stock": 0}))
        .await;
    assert_error(&foreign, 403, &item);
}

#[tokio::test]
async fn prices_are_exact_with_two_decimals() {
    let stack = Stack::start(catalog()).await;
    let seller = stack.account("SELLER").await;
    let path = "/api/v1/products";
    let created = stack
        .send(
            stack
                .http
                .post(stack.url(path))
                .bearer_auth(&seller.token)
                .json(&cup("Cup", json!(19.9))),
        )
        .await
        .expect(201);
    let id = created.data()["id"].as_str().unwrap();
    let raw = stack
        .http
        .get(stack.url(&format!("/api/v1/products/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(raw.contains(r#""price":19.90"#), "{raw}");

    let too_precise = stack
        .post(path, Some(&seller.token), cup("Cup", json!(1.999)))
        .await;
    assert_eq!(error_fields(&too_precise.expect(400)), ["price"]);
    let negative = stack
        .post(path, Some(&seller.token), cup("Cup", json!(-1)))
        .await;
    assert_eq!(error_fields(&negative.expect(400)), ["price"]);
}

#[tokio::test]
async fn listings_and_searches_are_paginated() {
    let stack = Stack::start(catalog()).await;
    let seller = stack.account("SELLER").await;
    for name in ["Teapot", "Teacup", "Saucer"] {
        stack
            .post("/api/v1/products", Some(&seller.token), cup(name, json!(5)))
            .await
            .expect(201);
    }
    let page = stack
        .get("/api/v1/products?page=2&limit=2&sort=name&order=asc", None)
        .await
        .expect(200);
    let data = page.data();
    assert_eq!(
        (
            data["total"].clone(),
            data["page"].clone(),
            data["limit"].clone()
        ),
        (json!(3), json!(2), json!(2))
    );
    assert_eq!(data["data"][0]["name"], json!("Teapot"));

    let found = stack
        .get("/api/v1/products/search?q=tea", None)
        .await
        .expect(200);
    let mut names: Vec<_> = found.data()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["Teacup", "Teapot"]);

    let no_query = stack.get("/api/v1/products/search", None).await;
    assert_eq!(error_fields(&no_query.expect(400)), ["q"]);
    let bad_order = stack.get("/api/v1/products?order=sideways", None).await;
    assert_eq!(error_fields(&bad_order.expect(400)), ["order"]);
}

#[tokio::test]
async fn an_unknown_product_is_404() {
    let stack = Stack::start(catalog()).await;
    let path = format!("/api/v1/products/{}", uuid::Uuid::new_v4());
    assert_error(&stack.get(&path, None).await, 404, &path);
}

/// The gateway keeps rendered pages and asks products whether they are still current:
/// a repeated listing answers the same, and a change shows at once.
#[tokio::test]
async fn a_repeated_listing_shows_every_change() {
    let stack = Stack::start(catalog()).await;
    let seller = stack.account("SELLER").await;
    let item = create(&stack, &seller.token, cup("Teapot", json!(5))).await;
    let listing = "/api/v1/products?limit=5";
    let search = "/api/v1/products/search?q=teapot";
    let first = stack.get(listing, None).await.expect(200);
    let found = stack.get(search, None).await.expect(200);
    assert_eq!(
        stack.get(listing, None).await.expect(200).data(),
        first.data()
    );
    assert_eq!(
        stack.get(search, None).await.expect(200).data(),
        found.data()
    );
    assert_eq!(first.data()["data"][0]["price"], json!(5.0));

    stack
        .patch(&item, Some(&seller.token), json!({"price": 7.5}))
        .await
        .expect(200);
    for path in [listing, search] {
        let now = stack.get(path, None).await.expect(200);
        assert_eq!(now.data()["data"][0]["price"], json!(7.5), "{path}");
        let again = stack.get(path, None).await.expect(200);
        assert_eq!(again.data(), now.data(), "{path}");
    }
}
