//! Tokens the gateway must refuse: forged (`alg: none`, HS256 keyed with the public
//! key, another key, a tampered payload or signature), expired, from another issuer,
//! without expiry; and valid tokens whose account was deactivated, deleted or given
//! another role. A token signed with auth's own key is accepted first, so each refusal
//! is the forgery's doing.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::Tally;
use crate::support::{ADMIN_EMAIL, Api};

/// auth's development key, in the state folder the test platform runs with.
fn platform_key() -> SigningKey {
    let path = shopctl::repo_root().join(".shop/auth/jwt-ed25519.pem");
    let pem = std::fs::read_to_string(&path).expect("auth's development key");
    SigningKey::from_pkcs8_pem(&pem).expect("an Ed25519 PKCS#8 key")
}

fn signed(key: &SigningKey, claims: &Value) -> String {
    let pem = key.to_pkcs8_pem(LineEnding::LF).expect("a PEM");
    let key = EncodingKey::from_ed_pem(pem.as_bytes()).expect("an EdDSA key");
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &key).expect("a token")
}

fn now() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock");
    i64::try_from(since.as_secs()).expect("seconds fit")
}

fn claims(sub: &str, email: &str, role: &str, expires_in: i64) -> Value {
    let now = now();
    json!({"sub": sub, "email": email, "role": role, "iat": now, "exp": now + expires_in, "iss": "rustshop"})
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// The three parts of a JWT.
fn parts(token: &str) -> [String; 3] {
    let parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts.try_into().expect("a JWT has three parts")
}

/// Forged or stale tokens claiming to be the bootstrap SUPER_ADMIN, or promoting
/// `user_token`'s USER.
fn forgeries(admin_id: &str, user_id: &str, user_token: &str) -> Vec<(&'static str, String)> {
    let key = platform_key();
    let boss = claims(admin_id, ADMIN_EMAIL, "SUPER_ADMIN", 600);
    let public_pem = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .expect("a public PEM");
    let hs256 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &boss,
        &EncodingKey::from_secret(public_pem.as_bytes()),
    )
    .expect("an HS256 token");
    let [header, payload, signature] = parts(user_token);
    let promoted = claims(user_id, "user@e2e.test", "SUPER_ADMIN", 600);
    let mut altered = signature.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("base64 text");
    let mut foreign_issuer = boss.clone();
    foreign_issuer["iss"] = json!("someone-else");
    let mut no_expiry = boss.clone();
    no_expiry.as_object_mut().expect("claims").remove("exp");
    vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&boss)
            ),
        ),
        (
            "alg none with a signature",
            format!(
                "{}.{}.{signature}",
                b64(&json!({"alg": "none"})),
                b64(&boss)
            ),
        ),
        ("HS256 keyed with auth's public key", hs256),
        (
            "signed with another key",
            signed(&SigningKey::from_bytes(&rand::random()), &boss),
        ),
        (
            "payload promoted to SUPER_ADMIN",
            format!("{header}.{}.{signature}", b64(&promoted)),
        ),
        ("signature altered", format!("{header}.{payload}.{altered}")),
        (
            "expired an hour ago",
            signed(&key, &claims(admin_id, ADMIN_EMAIL, "SUPER_ADMIN", -3600)),
        ),
        ("issued by someone else", signed(&key, &foreign_issuer)),
        ("without expiry", signed(&key, &no_expiry)),
        ("not a JWT", "not-a-token".to_owned()),
    ]
}

pub async fn forged_and_stale_tokens_are_refused(api: &Api, admin_id: &str, admin: &str) -> Tally {
    let mut tally = Tally::default();
    let genuine = signed(
        &platform_key(),
        &claims(admin_id, ADMIN_EMAIL, "SUPER_ADMIN", 600),
    );
    let (status, body) = api.get("/users?limit=1", Some(&genuine)).await;
    assert_eq!(
        status, 200,
        "a token signed with auth's key is accepted: {body}"
    );

    let user = api.account("forger", None, None).await;
    for (what, token) in forgeries(admin_id, &user.id, &user.token) {
        tally.refused(api.get("/users?limit=1", Some(&token)).await, 401, what);
        tally.refused(api.get("/auth/me", Some(&token)).await, 401, what);
    }
    let (status, body) = api.get("/auth/me", Some(&user.token)).await;
    assert_eq!(status, 200, "the forger's own token still works: {body}");

    stale_accounts_are_refused(api, admin, &mut tally).await;
    tally
}

/// Valid tokens of accounts deactivated, deleted or demoted after the token was issued.
async fn stale_accounts_are_refused(api: &Api, admin: &str, tally: &mut Tally) {
    let patch = |id: &str, body: Value| {
        let path = format!("/users/{id}");
        async move {
            api.call(Method::PATCH, &path, Some(admin), Some(body))
                .await
        }
    };

    let carol = api.account("carol", None, None).await;
    let (status, body) = patch(&carol.id, json!({"isActive": false})).await;
    assert_eq!(status, 200, "{body}");
    for path in ["/auth/me", "/cart", "/orders"] {
        let what = format!("deactivated account on {path}");
        tally.refused(api.get(path, Some(&carol.token)).await, 403, &what);
    }
    let login = json!({"email": carol.email, "password": carol.password});
    tally.refused(
        api.post("/auth/login", None, login).await,
        403,
        "deactivated login",
    );
    let (status, body) = patch(&carol.id, json!({"isActive": true})).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = api.get("/cart", Some(&carol.token)).await;
    assert_eq!(status, 200, "reactivated, the token works again: {body}");

    let dave = api.account("dave", None, None).await;
    let path = format!("/users/{}", dave.id);
    let (status, body) = api.call(Method::DELETE, &path, Some(admin), None).await;
    assert_eq!(status, 200, "{body}");
    for path in ["/auth/me", "/cart", "/orders"] {
        let what = format!("deleted account on {path}");
        tally.refused(api.get(path, Some(&dave.token)).await, 401, &what);
    }
    let order = json!({"products": [{"productId": uuid::Uuid::now_v7(), "quantity": 1}]});
    let refused = api.post("/orders", Some(&dave.token), order).await;
    tally.refused(refused, 401, "deleted account placing an order");

    let erin = api.account("erin", Some("SELLER"), Some(admin)).await;
    let (status, body) = patch(&erin.id, json!({"role": "USER"})).await;
    assert_eq!(status, 200, "{body}");
    let product = json!({"name": "Demoted Pen", "price": 1, "stock": 1});
    let refused = api.post("/products", Some(&erin.token), product).await;
    tally.refused(refused, 401, "a demoted seller's old token");
}
