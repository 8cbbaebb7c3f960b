//! The HTTP face itself: envelopes, errors of the protocol level, request ids, CORS,
//! compression, security headers, tokens and metrics.

mod support;

use std::io::Read;

use reqwest::Method;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_TYPE};
use serde_json::{Value, json};
use shop_gateway::config::CorsOrigins;
use support::{Options, Stack, assert_error, error_fields, header};

#[tokio::test]
async fn unknown_route_is_a_404_envelope() {
    let stack = Stack::start(Options::default()).await;
    let reply = stack.get("/api/v1/nowhere?x=1", None).await;
    assert_error(&reply, 404, "/api/v1/nowhere");
}

#[tokio::test]
async fn wrong_method_is_a_405_envelope_naming_the_allowed_ones() {
    let stack = Stack::start(Options::default()).await;
    let reply = stack.delete("/api/v1/auth/login", None).await;
    assert_error(&reply, 405, "/api/v1/auth/login");
    assert_eq!(header(&reply, "allow"), Some("POST"));
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_are_refused() {
    let stack = Stack::start(Options::default()).await;
    let malformed = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/login"))
                .header(CONTENT_TYPE, "application/json")
                .body("{\"email\": "),
        )
        .await;
    assert_error(&malformed, 400, "/api/v1/auth/login");
    let message = malformed.body["error"]["message"].as_str().unwrap();
    assert!(message.starts_with("Malformed JSON"), "{message}");

    let text = stack
        .send(
            stack
                .http
                .post(stack.url("/api/v1/auth/login"))
                .header(CONTENT_TYPE, "text/plain")
                .body("email=a&password=b"),
        )
        .await;
    assert_error(&text, 415, "/api/v1/auth/login");
}

#[tokio::test]
async fn wrong_types_missing_and_unknown_fields_are_named() {
    let stack = Stack::start(Options::default()).await;
    let path = "/api/v1/auth/register";
    let wrong_type = stack
        .post(
            path,
            None,
            json!({"name": "Ada", "email": 42, "password": "x"}),
        )
        .await;
    assert_error(&wrong_type, 400, path);
    assert_eq!(error_fields(&wrong_type), ["email"]);

    let missing = stack
        .post(path, None, json!({"name": "Ada", "email": "a@b.c"}))
        .await;
    assert_eq!(error_fields(&missing.expect(400)), ["password"]);

    let unknown = stack
        .post(
            path,
            None,
            json!({"name": "Ada", "email": "a@b.co", "password": "Rustshop-user-1", "isAdmin": true}),
        )
        .await;
    assert_eq!(error_fields(&unknown.expect(400)), ["isAdmin"]);
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let stack = Stack::start(Options {
        body_limit: 4096,
        ..Options::default()
    })
    .await;
    let big = json!({"email": "a".repeat(8192), "password": "x"});
    let reply = stack.post("/api/v1/auth/login", None, big).await;
    assert_error(&reply, 413, "/api/v1/auth/login");
}

#[tokio::test]
async fn request_ids_are_kept_when_valid_and_made_otherwise() {
    let stack = Stack::start(Options::default()).await;
    let kept = stack
        .send(
            stack
                .http
                .get(stack.url("/api/v1/nowhere"))
                .header("x-request-id", "trace-42.a_b"),
        )
        .await;
    assert_eq!(header(&kept, "x-request-id"), Some("trace-42.a_b"));

    for sent in [None, Some("not a valid id")] {
        let mut request = stack.http.get(stack.url("/healthz"));
        if let Some(id) = sent {
            request = request.header("x-request-id", id);
        }
        let reply = stack.send(request).await;
        let id = header(&reply, "x-request-id").expect("an id");
        assert!(id.parse::<uuid::Uuid>().is_ok(), "{id}");
    }
}

#[tokio::test]
async fn cors_preflight_allows_configured_origins_only() {
    let stack = Stack::start(Options {
        cors_origins: "https://shop.example.com".parse::<CorsOrigins>().unwrap(),
        ..Options::default()
    })
    .await;
    let preflight = |origin: &'static str| {
        stack
            .http
            .request(Method::OPTIONS, stack.url("/api/v1/products"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
    };
    let allowed = stack.send(preflight("https://shop.example.com")).await;
    assert!(allowed.status.is_success(), "{:?}", allowed.status);
    assert_eq!(
        header(&allowed, "access-control-allow-origin"),
        Some("https://shop.example.com")
    );
    let methods = header(&allowed, "access-control-allow-methods").unwrap();
    assert!(
        methods.contains("POST") && methods.contains("PATCH"),
        "{methods}"
    );
    let headers = header(&allowed, "access-control-allow-headers").unwrap();
    assert!(headers.contains("authorization"), "{headers}");
    assert!(header(&allowed, "access-control-allow-credentials").is_none());

    let other = stack.send(preflight("https://evil.example.net")).await;
    assert!(header(&other, "access-control-allow-origin").is_none());
}

#[tokio::test]
async fn responses_are_gzipped_when_the_client_accepts_it() {
    let stack = Stack::start(Options::default()).await;
    let url = stack.url("/api/v1/openapi.json");
    let response = stack
        .http
        .get(&url)
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-encoding"], "gzip");
    let compressed = response.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut text)
        .expect("valid gzip");
    let document: Value = serde_json::from_str(&text).expect("JSON inside");
    assert!(document["paths"].is_object());

    let plain = stack.http.get(&url).send().await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
}

#[tokio::test]
async fn security_headers_are_on_every_response() {
    let stack = Stack::start(Options::default()).await;
    let api = stack.get("/api/v1/nowhere", None).await;
    assert_eq!(header(&api, "x-content-type-options"), Some("nosniff"));
    assert_eq!(header(&api, "x-frame-options"), Some("DENY"));
    assert_eq!(header(&api, "referrer-policy"), Some("no-referrer"));
    let csp = header(&api, "content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");

    let docs = stack.get("/docs/", None).await;
    let csp = header(&docs, "content-security-policy").unwrap();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("http"),
        "{csp}"
    );
}

#[tokio::test]
async fn an_upstream_that_is_down_is_503() {
    let stack = Stack::start(Options::default()).await;
    let reply = stack.get("/api/v1/products", None).await;
    assert_error(&reply, 503, "/api/v1/products");
}

#[tokio::test]
async fn token_routes_answer_503_until_the_key_is_known_and_401_without_a_token() {
    let stack = Stack::start(Options {
        auth: false,
        ..Options::default()
    })
    .await;
    let waiting = stack.get("/api/v1/cart", Some("a.b.c")).await;
    assert_error(&waiting, 503, "/api/v1/cart");
    let anonymous = stack.get("/api/v1/cart", None).await;
    assert_error(&anonymous, 401, "/api/v1/cart");
    assert_eq!(header(&anonymous, "www-authenticate"), Some("Bearer"));
}

#[tokio::test]
async fn invalid_and_tampered_tokens_are_401() {
    let stack = Stack::start(Options {
        static_key: true,
        ..Options::default()
    })
    .await;
    let root = stack.root().await;
    let path = format!("/api/v1/users/{}", root.id);
    stack.get(&path, Some(&root.token)).await.expect(200);

    let mut parts: Vec<String> = root.token.split('.').map(str::to_owned).collect();
    parts[1] = parts[1].chars().rev().collect();
    let tampered = parts.join(".");
    for token in ["garbage", tampered.as_str()] {
        let reply = stack.get(&path, Some(token)).await;
        assert_error(&reply, 401, &path);
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let stack = Stack::start(Options::default()).await;
    let id = uuid::Uuid::new_v4();
    stack
        .get(&format!("/api/v1/users/{id}"), None)
        .await
        .expect(401);
    let metrics = stack
        .http
        .get(stack.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    // The recorder is shared by the whole test process: look for this test's series.
    let series = metrics.lines().find(|l| {
        l.starts_with("http_requests_total")
            && l.contains(r#"route="/api/v1/users/{id}""#)
            && l.contains(r#"status="401""#)
            && l.contains(r#"method="GET""#)
    });
    assert!(
        series.is_some(),
        "no series for the route template:\n{metrics}"
    );
    assert!(
        !metrics.contains(&id.to_string()),
        "raw paths never become labels"
    );
}
