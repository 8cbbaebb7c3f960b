//! Who may do what: registration grants no privilege, a USER reaches neither another
//! user's orders, cart or account nor the admin routes, and login throttling holds
//! against a burst of wrong passwords.

use futures::StreamExt;
use reqwest::Method;
use serde_json::{Value, json};

use crate::Tally;
use crate::support::{Account, Api};

/// Failed logins per e-mail before the lockout (auth's `LOGIN_MAX_FAILURES` default).
const MAX_FAILURES: usize = 5;
/// Wrong passwords sent in the burst, and how many at once.
const BURST: usize = 200;
const IN_FLIGHT: usize = 20;

pub async fn registration_grants_no_privilege(api: &Api, admin: &str) -> Tally {
    let mut tally = Tally::default();
    let user = api.account("climber", None, None).await;
    let plain_admin = api.account("plainadmin", Some("ADMIN"), Some(admin)).await;
    let attempts = [
        ("anonymous ADMIN", "ADMIN", None),
        ("anonymous SUPER_ADMIN", "SUPER_ADMIN", None),
        ("anonymous SELLER", "SELLER", None),
        ("a USER granting ADMIN", "ADMIN", Some(user.token.as_str())),
        (
            "an ADMIN granting SUPER_ADMIN",
            "SUPER_ADMIN",
            Some(plain_admin.token.as_str()),
        ),
        ("an invalid token granting ADMIN", "ADMIN", Some("x.y.z")),
    ];
    for (what, role, token) in attempts {
        let email = format!("sneaky-{}@e2e.test", uuid::Uuid::new_v4().simple());
        let body = json!({"name": "Sneaky", "email": email, "password": "E2e-sneaky-pass-1", "role": role});
        tally.refused(api.post("/auth/register", token, body).await, 403, what);
        let login = json!({"email": email, "password": "E2e-sneaky-pass-1"});
        let what = format!("{what}: nothing stored");
        tally.refused(api.post("/auth/login", None, login).await, 401, &what);
    }
    for (field, value) in [
        ("isActive", json!(true)),
        ("id", json!(user.id)),
        ("passwordHash", json!("x")),
    ] {
        let email = format!("extra-{}@e2e.test", uuid::Uuid::new_v4().simple());
        let mut body = json!({"name": "Extra", "email": email, "password": "E2e-extra-pass-1"});
        body[field] = value;
        let what = format!("registration with `{field}`");
        tally.refused(api.post("/auth/register", None, body).await, 400, &what);
    }
    tally
}

pub async fn users_stay_out_of_each_others_data(api: &Api, admin: &str) -> Tally {
    let mut tally = Tally::default();
    let product = json!({"name": "Trespass Lamp", "price": 3, "stock": 50});
    let (status, created) = api.post("/products", Some(admin), product).await;
    assert_eq!(status, 201, "{created}");
    let product = created["data"]["id"].as_str().expect("an id").to_owned();
    let alice = api.account("alice", None, None).await;
    let bob = api.account("bob", None, None).await;
    let line = json!({"productId": product, "quantity": 2});
    let (status, body) = api.post("/cart/add", Some(&bob.token), line).await;
    assert_eq!(status, 200, "{body}");
    let order = json!({"products": [{"productId": product, "quantity": 1}]});
    let (status, placed) = api.post("/orders", Some(&bob.token), order).await;
    assert_eq!(status, 201, "{placed}");
    let bobs_order = placed["data"]["id"].as_str().expect("an id").to_owned();

    others_orders_and_accounts(api, &mut tally, &alice, &bob, &bobs_order).await;
    admin_routes(api, &mut tally, &alice, &product, &bobs_order).await;

    // alice's cart calls act on her own cart only: bob's is as it was.
    let path = format!("/cart/items/{product}");
    api.call(Method::DELETE, &path, Some(&alice.token), None)
        .await;
    api.call(
        Method::PATCH,
        &path,
        Some(&alice.token),
        Some(json!({"quantity": 0})),
    )
    .await;
    api.call(Method::DELETE, "/cart", Some(&alice.token), None)
        .await;
    let (_, cart) = api.get("/cart", Some(&bob.token)).await;
    let kept =
        cart["data"]["items"][0]["quantity"] == 2 && cart["data"]["userId"] == bob.id.as_str();
    tally.check(kept, format!("bob's cart untouched by alice: {cart}"));
    let (_, order) = api
        .get(&format!("/orders/{bobs_order}"), Some(&bob.token))
        .await;
    let status = &order["data"]["status"];
    tally.check(
        status != "cancelled",
        format!("bob's order untouched: {order}"),
    );
    tally
}

async fn others_orders_and_accounts(
    api: &Api,
    tally: &mut Tally,
    alice: &Account,
    bob: &Account,
    bobs_order: &str,
) {
    let token = Some(alice.token.as_str());
    let order_path = format!("/orders/{bobs_order}");
    tally.refused(
        api.get(&order_path, token).await,
        404,
        "another user's order",
    );
    let cancel = json!({"status": "cancelled"});
    let status_path = format!("{order_path}/status");
    let refused = api
        .call(Method::PATCH, &status_path, token, Some(cancel))
        .await;
    tally.refused(refused, 403, "cancelling another user's order");
    let by_user = format!("/orders?userId={}", bob.id);
    tally.refused(
        api.get(&by_user, token).await,
        403,
        "listing another user's orders",
    );
    let (status, mine) = api.get("/orders", token).await;
    let none_of_bobs = status == 200 && mine["data"]["total"] == 0;
    tally.check(
        none_of_bobs,
        format!("alice's listing shows none of bob's orders: {mine}"),
    );

    let bob_path = format!("/users/{}", bob.id);
    tally.refused(
        api.get(&bob_path, token).await,
        403,
        "reading another account",
    );
    let rename = Some(json!({"name": "Mallory"}));
    let refused = api.call(Method::PATCH, &bob_path, token, rename).await;
    tally.refused(refused, 403, "renaming another account");
    let refused = api.call(Method::DELETE, &bob_path, token, None).await;
    tally.refused(refused, 403, "deleting another account");
    let own = format!("/users/{}", alice.id);
    for (what, body) in [
        ("promoting oneself", json!({"role": "ADMIN"})),
        ("reactivating oneself", json!({"isActive": true})),
    ] {
        let refused = api.call(Method::PATCH, &own, token, Some(body)).await;
        tally.refused(refused, 403, what);
    }
    let (_, seen) = api.get("/auth/me", Some(&bob.token)).await;
    tally.check(
        seen["data"]["name"] == "bob",
        format!("bob's account untouched: {seen}"),
    );
}

async fn admin_routes(api: &Api, tally: &mut Tally, alice: &Account, product: &str, order: &str) {
    let token = Some(alice.token.as_str());
    let product_path = format!("/products/{product}");
    let new_product = json!({"name": "Pen", "price": 1, "stock": 1});
    let calls: [(Method, String, Option<Value>); 6] = [
        (Method::GET, "/users".to_owned(), None),
        (
            Method::POST,
            "/products".to_owned(),
            Some(new_product.clone()),
        ),
        (Method::PUT, product_path.clone(), Some(new_product)),
        (
            Method::PATCH,
            product_path.clone(),
            Some(json!({"price": 0})),
        ),
        (Method::DELETE, product_path, None),
        (
            Method::PATCH,
            format!("/orders/{order}/status"),
            Some(json!({"status": "delivered"})),
        ),
    ];
    for (method, path, body) in calls {
        let what = format!("a USER on {method} {path}");
        tally.refused(api.call(method, &path, token, body).await, 403, &what);
    }
}

/// How a burst of wrong passwords was answered.
pub struct Burst {
    pub sent: usize,
    pub unauthorized: usize,
    pub throttled: usize,
}

pub async fn login_throttling_holds_against_a_burst(api: &Api) -> Burst {
    let victim = api.account("victim", None, None).await;
    let bystander = api.account("bystander", None, None).await;
    let wrong = json!({"email": victim.email, "password": "Wrong-password-1!"});
    let statuses: Vec<u16> = futures::stream::iter(0..BURST)
        .map(|_| api.post("/auth/login", None, wrong.clone()))
        .buffer_unordered(IN_FLIGHT)
        .map(|(status, _)| status)
        .collect()
        .await;
    let count = |code: u16| statuses.iter().filter(|s| **s == code).count();
    let burst = Burst {
        sent: statuses.len(),
        unauthorized: count(401),
        throttled: count(429),
    };
    assert_eq!(
        burst.unauthorized + burst.throttled,
        BURST,
        "only 401 and 429: {statuses:?}"
    );
    assert!(
        burst.unauthorized <= MAX_FAILURES,
        "{} guesses were checked",
        burst.unauthorized
    );
    let right = json!({"email": victim.email, "password": victim.password});
    let (status, body) = api.post("/auth/login", None, right).await;
    assert_eq!(
        status, 429,
        "the locked e-mail stays locked, even with its password: {body}"
    );
    // The lockout is per e-mail: another account signs in.
    api.login(&bystander.email, &bystander.password).await;
    burst
}
