//! SQL and Mongo operator injection in search, ids, sort fields and bodies has no
//! effect (never a 5xx, nothing matched or changed that should not be); and every
//! answer carries the security headers and CORS allows what browsers need, no more.

use reqwest::Method;
use serde_json::json;

use crate::Tally;
use crate::support::Api;

const SQL: [&str; 8] = [
    "' OR '1'='1",
    "'; DROP TABLE products; --",
    "\\'; DELETE FROM users; --",
    "1 UNION SELECT password_hash FROM users",
    "%' OR name LIKE '%",
    "a:* | b:* & !c",
    "') OR 1=1 --",
    "1; SELECT pg_sleep(10)",
];

/// Percent-encodes `text` for a query string or a path segment.
fn encoded(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A random tag of letters `g` to `v` that tells this run's probe apart. Search
/// matches word prefixes, so a tag with digits would rightly be found by the payloads
/// whose only kept word is `1` (`' OR '1'='1`: `or` is an English stop word) whenever
/// it began with a `1`.
fn letters_only_tag() -> String {
    uuid::Uuid::new_v4()
        .as_bytes()
        .iter()
        .flat_map(|byte| [byte >> 4, byte & 0x0f])
        .map(|nibble| char::from(b'g' + nibble))
        .collect()
}

pub async fn injection_has_no_effect(api: &Api, admin: &str) -> Tally {
    let mut tally = Tally::default();
    let name = format!("Injection Probe {}", letters_only_tag());
    let product = json!({"name": name, "price": 2, "stock": 9});
    let (status, created) = api.post("/products", Some(admin), product).await;
    assert_eq!(status, 201, "{created}");
    let probe = created["data"]["id"].as_str().expect("an id").to_owned();
    let (_, users_before) = api.get("/users?limit=1", Some(admin)).await;

    for payload in SQL {
        let (status, found) = api
            .get(&format!("/products/search?q={}", encoded(payload)), None)
            .await;
        let hits = found["data"]["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let harmless =
            matches!(status, 200 | 400) && !hits.iter().any(|p| p["id"] == probe.as_str());
        tally.check(harmless, format!("search {payload:?}: {status} {found}"));
        for path in [
            format!("/products/{}", encoded(payload)),
            format!("/orders/{}", encoded(payload)),
        ] {
            let (status, body) = api.get(&path, Some(admin)).await;
            tally.check(
                status == 400,
                format!("id {payload:?} on {path}: {status} {body}"),
            );
        }
        let (status, body) = api
            .get(&format!("/products?sort={}", encoded(payload)), None)
            .await;
        tally.check(status == 400, format!("sort {payload:?}: {status} {body}"));
        let login = json!({"email": format!("{payload}@e2e.test"), "password": payload});
        let (status, body) = api.post("/auth/login", None, login).await;
        tally.check(
            matches!(status, 400 | 401),
            format!("login {payload:?}: {status} {body}"),
        );
    }
    let (status, found) = api.get("/products/search?q=injection%20probe", None).await;
    assert_eq!(status, 200, "{found}");
    assert!(
        found.to_string().contains(&probe),
        "the probe is found by its name: {found}"
    );

    mongo_operators(api, &mut tally, &probe).await;

    // Stored verbatim, not executed.
    let sql_name = "Robert'); DROP TABLE users;--";
    let email = format!("bobby-{}@e2e.test", uuid::Uuid::new_v4().simple());
    let body = json!({"name": sql_name, "email": email, "password": "E2e-bobby-pass-1"});
    let (status, registered) = api.post("/auth/register", None, body).await;
    tally.check(
        status == 201 && registered["data"]["name"] == sql_name,
        format!("{registered}"),
    );
    let (status, users_after) = api.get("/users?limit=1", Some(admin)).await;
    let grew = status == 200
        && users_after["data"]["total"].as_u64() > users_before["data"]["total"].as_u64();
    tally.check(
        grew,
        format!("the users table is whole: {users_before} then {users_after}"),
    );
    let (status, body) = api.get(&format!("/products/{probe}"), None).await;
    tally.check(
        status == 200 && body["data"]["stock"] == 9,
        format!("the probe is intact: {body}"),
    );
    tally
}

async fn mongo_operators(api: &Api, tally: &mut Tally, probe: &str) {
    let shopper = api.account("mongo", None, None).await;
    let token = Some(shopper.token.as_str());
    let bodies = [
        json!({"productId": {"$ne": null}, "quantity": 1}),
        json!({"productId": probe, "quantity": {"$gt": 0}}),
        json!({"productId": {"$where": "sleep(1000)"}, "quantity": 1}),
        json!({"productId": probe, "quantity": 1, "$set": {"items": []}}),
    ];
    for body in bodies {
        let (status, answer) = api.post("/cart/add", token, body.clone()).await;
        tally.check(status == 400, format!("cart add {body}: {status} {answer}"));
    }
    let login = json!({"email": {"$ne": null}, "password": {"$ne": null}});
    let (status, answer) = api.post("/auth/login", None, login).await;
    tally.check(
        status == 400,
        format!("login with operators: {status} {answer}"),
    );
    for segment in [r#"{"$ne":null}"#, "$where", r#"{"$gt":""}"#] {
        let path = format!("/cart/items/{}", encoded(segment));
        let (status, answer) = api
            .call(Method::PATCH, &path, token, Some(json!({"quantity": 1})))
            .await;
        tally.check(
            matches!(status, 400 | 404),
            format!("PATCH {path}: {status} {answer}"),
        );
        let (status, answer) = api.call(Method::DELETE, &path, token, None).await;
        tally.check(
            matches!(status, 200 | 400 | 404),
            format!("DELETE {path}: {status} {answer}"),
        );
    }
    let (status, cart) = api.get("/cart", token).await;
    let empty = status == 200 && cart["data"]["items"] == json!([]);
    tally.check(empty, format!("nothing reached the cart: {cart}"));
}

pub async fn security_and_cors_headers_are_set(api: &Api) -> Tally {
    let mut tally = Tally::default();
    let expected = [
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
    ];
    for (method, path, token) in [
        (Method::GET, "/products", None),
        (Method::GET, "/nowhere", None),
        (Method::GET, "/auth/me", Some("not-a-token")),
        (Method::POST, "/auth/login", None),
    ] {
        let response = api
            .raw(method.clone(), path, token, Some("application/json"), "{}")
            .await;
        let header = |name: &str| {
            response
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        for (name, value) in expected {
            tally.check(
                header(name) == value,
                format!("{method} {path}: {name} = {:?}", header(name)),
            );
        }
        let csp = header("content-security-policy");
        tally.check(
            csp.starts_with("default-src 'none'"),
            format!("{method} {path}: CSP {csp:?}"),
        );
        tally.check(
            !header("x-request-id").is_empty(),
            format!("{method} {path}: a request id"),
        );
    }
    cors(api, &mut tally).await;
    tally
}

async fn cors(api: &Api, tally: &mut Tally) {
    let client = reqwest::Client::new();
    let url = format!("{}/orders", api.base);
    let preflight = client
        .request(Method::OPTIONS, &url)
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type",
        )
        .send()
        .await
        .expect("the gateway answers");
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_lowercase()
    };
    tally.check(
        preflight.status().is_success(),
        format!("preflight: {}", preflight.status()),
    );
    tally.check(
        header(&preflight, "access-control-allow-origin") == "*",
        "any origin, as configured by default",
    );
    let methods = header(&preflight, "access-control-allow-methods");
    tally.check(methods.contains("post"), format!("POST allowed: {methods}"));
    let headers = header(&preflight, "access-control-allow-headers");
    tally.check(
        headers.contains("authorization"),
        format!("Authorization allowed: {headers}"),
    );
    let credentials = header(&preflight, "access-control-allow-credentials");
    tally.check(
        credentials.is_empty(),
        "credentials (cookies) are never allowed",
    );

    let simple = client
        .get(format!("{}/products", api.base))
        .header("origin", "https://shop.example")
        .send()
        .await
        .expect("the gateway answers");
    let exposed = header(&simple, "access-control-expose-headers");
    tally.check(
        exposed.contains("x-request-id"),
        format!("the request id is readable: {exposed}"),
    );
}
