//! Role and ownership rules, and the mapping of every failure to an HTTP status with
//! the error envelope, over HTTP only.

mod support;

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use shop_common::service::ServiceKind;
use support::{ADMIN_EMAIL, ADMIN_PASSWORD, Api, Running};

fn assert_error(status: u16, body: &serde_json::Value, expected: u16) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["success"], false, "{body}");
    assert_eq!(body["statusCode"], expected, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/api/v1/")),
        "{body}"
    );
    assert!(body["timestamp"].is_string(), "{body}");
}

#[tokio::test]
async fn roles_ownership_and_error_mapping() {
    let mut running = Running::start(21800).await;
    let api = Api::new(&running.base_url);
    let (_, admin) = api.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let (_, alice) = api.customer("alice").await;
    let (_, bob) = api.customer("bob").await;

    // a USER cannot create products
    let product = json!({"name": "Rules Pen", "price": 1.5, "stock": 3});
    let (status, body) = api.post("/products", Some(&alice), product.clone()).await;
    assert_error(status, &body, 403);

    // an admin registers a SELLER; the seller creates but cannot delete
    let seller_email = format!("seller-{}@e2e.test", uuid::Uuid::new_v4().simple());
    let seller = json!({"name": "Seller", "email": seller_email, "password": "E2e-seller-pass-1", "role": "SELLER"});
    let (status, body) = api.post("/auth/register", Some(&admin), seller).await;
    assert_eq!(status, 201, "{body}");
    let (_, seller) = api.login(&seller_email, "E2e-seller-pass-1").await;
    let (status, created) = api.post("/products", Some(&seller), product).await;
    assert_eq!(status, 201, "{created}");
    let product_id = created["data"]["id"].as_str().unwrap().to_owned();
    let (status, body) = api
        .call(
            Method::DELETE,
            &format!("/products/{product_id}"),
            Some(&seller),
            None,
        )
        .await;
    assert_error(status, &body, 403);

    // public registration cannot grant ADMIN
    let sneaky = json!({"name": "Sneaky", "email": "sneaky@e2e.test", "password": "E2e-sneaky-pass-1", "role": "ADMIN"});
    let (status, body) = api.post("/auth/register", None, sneaky).await;
    assert_error(status, &body, 403);

    // alice cannot read bob's order: 404, so ids cannot be probed
    let order = json!({"products": [{"productId": product_id, "quantity": 1}]});
    let (status, placed) = api.post("/orders", Some(&bob), order).await;
    assert_eq!(status, 201, "{placed}");
    let bobs = placed["data"]["id"].as_str().unwrap();
    let (status, body) = api.get(&format!("/orders/{bobs}"), Some(&alice)).await;
    assert_error(status, &body, 404);

    // 400 with the field named, 401, 404 route and id, 409
    let weak = json!({"name": "Weak", "email": "not-an-email", "password": "short"});
    let (status, body) = api.post("/auth/register", None, weak).await;
    assert_error(status, &body, 400);
    assert!(body["error"].to_string().contains("email"), "{body}");
    let (status, body) = api.get("/auth/me", None).await;
    assert_error(status, &body, 401);
    let (status, body) = api.get("/auth/me", Some("not.a.token")).await;
    assert_error(status, &body, 401);
    let (status, body) = api.get("/nowhere", None).await;
    assert_error(status, &body, 404);
    let (status, body) = api
        .get("/products/00000000-0000-7000-8000-000000000000", None)
        .await;
    assert_error(status, &body, 404);
    let (status, body) = api
        .post(
            "/auth/register",
            None,
            json!({"name": "Dup", "email": ADMIN_EMAIL, "password": "E2e-dup-pass-1"}),
        )
        .await;
    assert_error(status, &body, 409);

    // malformed JSON 400, wrong content type 415, too large 413
    let http = reqwest::Client::new();
    let url = format!("{}/auth/login", running.base_url);
    let raw = |body: &'static str, content_type: &'static str| {
        http.post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = raw("{\"email\": ", "application/json").await.unwrap();
    assert_eq!(response.status(), 400);
    let response = raw("email=a", "application/x-www-form-urlencoded")
        .await
        .unwrap();
    assert_eq!(response.status(), 415);
    assert_eq!(status_of_announced_body(&url, 2 * 1024 * 1024).await, 413);

    // 429 after a burst of wrong passwords for one account
    let mut last = 0;
    for _ in 0..10 {
        let wrong = json!({"email": seller_email, "password": "Wrong-pass-1!"});
        last = api.post("/auth/login", None, wrong).await.0;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "login throttling never kicked in");

    // 503 when a service behind the gateway is down
    let cart = running
        .platform
        .process_mut(ServiceKind::Cart)
        .expect("cart runs");
    cart.stop(Duration::from_secs(10)).await.unwrap();
    let (status, body) = api.get("/cart", Some(&alice)).await;
    assert_error(status, &body, 503);
    running.platform.restart(ServiceKind::Cart).unwrap();
    running.stop().await;
}

/// The status the gateway answers a JSON `POST` to `url` whose headers announce a
/// body of `length` bytes, read before any of the body is sent. (Sending a body over
/// the limit raced: the gateway answers from the headers and closes the connection,
/// and a client still writing the body saw a broken pipe instead of the answer.)
async fn status_of_announced_body(url: &str, length: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let url = reqwest::Url::parse(url).unwrap();
    let address = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\n\r\n",
        url.path()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let read = stream.read(&mut answer).await.unwrap();
    let status_line = String::from_utf8_lossy(&answer[..read]).into_owned();
    status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {status_line:?}"))
}
