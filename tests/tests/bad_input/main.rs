//! Bad input to every route that takes a body, a query or an id: oversized bodies,
//! deep JSON, invalid UTF-8, malformed JSON, negative and huge numbers, unknown
//! fields, wrong types, NUL characters, bad query parameters and ids. Every one is a
//! 4xx in the error envelope, and nothing is stored.

#[path = "../support/mod.rs"]
mod support;

mod cases;
mod routes;

use cases::{Case, truncate};
use serde_json::{Value, json};
use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, RawResponse, Running};

async fn send(api: &Api, case: &Case) -> RawResponse {
    api.raw(
        case.method.clone(),
        &case.path,
        case.token.as_deref(),
        case.content_type,
        case.body.clone(),
    )
    .await
}

/// Whether `response` is a 4xx in the error envelope for `path` with `expect`.
fn refused(response: &RawResponse, path: &str, expect: u16) -> Result<(), String> {
    let body: Value = serde_json::from_str(&response.text)
        .map_err(|_| format!("{}: not JSON: {}", response.status, response.text))?;
    let path = path.split('?').next().unwrap_or(path);
    let ok = response.status == expect
        && body["success"] == false
        && body["statusCode"] == expect
        && body["error"]["message"].is_string()
        && body["path"].as_str().is_some_and(|p| p.ends_with(path))
        && body["timestamp"].is_string();
    ok.then_some(())
        .ok_or_else(|| format!("{}: {}", response.status, truncate(&response.text)))
}

/// What the data looks like: catalog size, accounts, and the customer's orders and cart.
async fn snapshot(api: &Api, admin: &str, customer: &str) -> Value {
    let (_, products) = api.get("/products?limit=1", None).await;
    let (_, users) = api.get("/users?limit=1", Some(admin)).await;
    let (_, orders) = api.get("/orders?limit=1", Some(customer)).await;
    let (_, cart) = api.get("/cart", Some(customer)).await;
    json!({
        "products": products["data"]["total"],
        "users": users["data"]["total"],
        "orders": orders["data"]["total"],
        "cart": cart["data"]["items"],
    })
}

#[tokio::test]
async fn every_bad_input_is_a_4xx_in_the_envelope_and_nothing_is_stored() {
    let running = Running::start(22200).await;
    let api = Api::new(&running.base_url);
    let (_, admin) = api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let customer = api.account("badinput", None, None).await;
    let product = json!({"name": "Bad Input Mug", "price": 4.5, "stock": 10});
    let (status, created) = api.post("/products", Some(&admin), product.clone()).await;
    assert_eq!(status, 201, "{created}");
    let product_id = created["data"]["id"].as_str().expect("an id").to_owned();
    let (status, placed) = api
        .post(
            "/orders",
            Some(&customer.token),
            json!({"products": [{"productId": product_id, "quantity": 1}]}),
        )
        .await;
    assert_eq!(status, 201, "{placed}");
    let order_id = placed["data"]["id"].as_str().expect("an id").to_owned();

    let cases = routes::all_cases(&admin, &customer, &product_id, &order_id);
    let before = snapshot(&api, &admin, &customer.token).await;
    let unpooled = Api::unpooled(&running.base_url);
    let mut failures = Vec::new();
    for case in &cases {
        let response = send(&unpooled, case).await;
        if let Err(got) = refused(&response, &case.path, case.expect) {
            failures.push(format!(
                "{}: expected {}, got {got}",
                case.what, case.expect
            ));
        }
    }
    let after = snapshot(&api, &admin, &customer.token).await;
    running.stop().await;

    let bytes: usize = cases.iter().map(|c| c.body.len()).sum();
    let report = format!(
        "  {} bad requests sent ({} MiB of bodies), {} answered as expected, {} not",
        cases.len(),
        bytes / (1024 * 1024),
        cases.len() - failures.len(),
        failures.len()
    );
    support::write_report("bad-input", &[report]);
    assert!(
        failures.is_empty(),
        "{} bad inputs mishandled:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(before, after, "bad input changed stored data");
}
