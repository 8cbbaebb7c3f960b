//! VerifyToken and GetMe accept auth's own unexpired EdDSA tokens and nothing else.

mod support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;
use shop_auth::keys::generate_private_pem;
use shop_proto::auth::v1 as pb;
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as users_pb;
use support::{PASSWORD, Stack, login, register, stack};
use tonic::Code;

async fn verify(s: &Stack, token: &str) -> Result<pb::Claims, tonic::Status> {
    let request = pb::VerifyTokenRequest {
        token: token.into(),
    };
    let response = s.auth.client.clone().verify_token(request).await?;
    Ok(response.into_inner().claims.expect("claims"))
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn claims(exp: i64) -> serde_json::Value {
    json!({
        "sub": uuid::Uuid::now_v7().to_string(),
        "email": "mallory@example.com",
        "role": "SUPER_ADMIN",
        "iat": now() - 7200,
        "exp": exp,
        "iss": "rustshop",
    })
}

fn sign(pem: &str, claims: &serde_json::Value) -> String {
    let key = EncodingKey::from_ed_pem(pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), claims, &key).unwrap()
}

async fn assert_refused(s: &Stack, token: &str, message: &str) {
    let status = verify(s, token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated, "{token}");
    assert_eq!(status.message(), message, "{token}");
}

#[tokio::test]
async fn issued_token_verifies_to_its_claims() {
    let s = stack().await;
    let user = register(&s.auth.client, "ada@example.com").await;
    let token = login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let claims = verify(&s, &token).await.unwrap();
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.email, "ada@example.com");
    assert_eq!(claims.role(), common_pb::Role::User);
    assert_eq!(claims.exp - claims.iat, 3600);
}

#[tokio::test]
async fn expired_token_is_refused() {
    let s = stack().await;
    let token = sign(&s.private_pem, &claims(now() - 3600));
    assert_refused(&s, &token, "the token has expired").await;
    // The same claims, unexpired and signed with auth's key, pass: only `exp` differs.
    assert!(
        verify(&s, &sign(&s.private_pem, &claims(now() + 60)))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn tampered_payload_or_signature_is_refused() {
    let s = stack().await;
    register(&s.auth.client, "ada@example.com").await;
    let token = login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let parts: Vec<&str> = token.split('.').collect();

    let mut payload: serde_json::Value =
        serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("SUPER_ADMIN");
    let forged_payload = B64.encode(payload.to_string());
    let promoted = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_refused(&s, &promoted, "the token is invalid").await;

    let mut signature = B64.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let bad_signature = format!("{}.{}.{}", parts[0], parts[1], B64.encode(signature));
    assert_refused(&s, &bad_signature, "the token is invalid").await;
}

#[tokio::test]
async fn unsigned_alg_none_token_is_refused() {
    let s = stack().await;
    let header = B64.encode(json!({"alg": "none", "typ": "JWT"}).to_string());
    let payload = B64.encode(claims(now() + 3600).to_string());
    assert_refused(&s, &format!("{header}.{payload}."), "the token is invalid").await;
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let s = stack().await;
    let public = s
        .auth
        .client
        .clone()
        .get_public_key(pb::GetPublicKeyRequest {})
        .await
        .unwrap()
        .into_inner()
        .public_key_pem;
    let key = EncodingKey::from_secret(public.as_bytes());
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(now() + 3600), &key).unwrap();
    assert_refused(&s, &token, "the token is invalid").await;
}

#[tokio::test]
async fn token_signed_with_another_key_is_refused() {
    let s = stack().await;
    let other = generate_private_pem().unwrap();
    assert_refused(
        &s,
        &sign(&other, &claims(now() + 3600)),
        "the token is invalid",
    )
    .await;
}

#[tokio::test]
async fn token_from_another_issuer_is_refused() {
    let s = stack().await;
    let mut foreign = claims(now() + 3600);
    foreign["iss"] = json!("someone-else");
    assert_refused(&s, &sign(&s.private_pem, &foreign), "the token is invalid").await;
    foreign.as_object_mut().unwrap().remove("iss");
    assert_refused(&s, &sign(&s.private_pem, &foreign), "the token is invalid").await;
}

#[tokio::test]
async fn get_me_answers_the_account_of_a_valid_token_only() {
    let s = stack().await;
    let user = register(&s.auth.client, "ada@example.com").await;
    let token = login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let me = |token: String| {
        let mut client = s.auth.client.clone();
        async move {
            client
                .get_me(pb::GetMeRequest { token })
                .await
                .map(|r| r.into_inner())
        }
    };
    assert_eq!(me(token.clone()).await.unwrap(), user);

    let status = me("garbage".into()).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    let delete = users_pb::DeleteUserRequest {
        id: user.id.clone(),
    };
    s.users.client.clone().delete_user(delete).await.unwrap();
    let status = me(token).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    assert_eq!(
        status.message(),
        "the account of this token no longer exists"
    );
}
