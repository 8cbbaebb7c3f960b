//! Login: tokens for the right password, one answer for every wrong one, disabled
//! accounts refused, guessing throttled.

mod support;

use std::time::Duration;

use prost::Message;
use shop_auth::throttle::ThrottlePolicy;
use shop_proto::auth::v1 as pb;
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as users_pb;
use support::{AuthOptions, PASSWORD, login, register, stack, stack_with, wait_for};
use tonic::Code;

#[tokio::test]
async fn right_password_issues_a_token_the_public_key_verifies() {
    let s = stack().await;
    let user = register(&s.auth.client, "ada@example.com").await;
    let response = login(&s.auth.client, "ADA@example.com", PASSWORD)
        .await
        .unwrap();
    assert_eq!(response.token_type, "Bearer");
    assert_eq!(response.expires_in_seconds, 3600);
    assert_eq!(response.user.as_ref(), Some(&user));

    // What the gateway does: verify locally with the published key alone.
    let key = s
        .auth
        .client
        .clone()
        .get_public_key(pb::GetPublicKeyRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(key.algorithm, "EdDSA");
    let decoding = jsonwebtoken::DecodingKey::from_ed_pem(key.public_key_pem.as_bytes()).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::EdDSA);
    validation.set_issuer(&["rustshop"]);
    let data = jsonwebtoken::decode::<shop_common::auth::Claims>(
        &response.access_token,
        &decoding,
        &validation,
    )
    .unwrap();
    assert_eq!(data.header.kid.as_deref(), Some(key.key_id.as_str()));
    assert_eq!(data.claims.sub, user.id);
    assert_eq!(data.claims.email, "ada@example.com");
    assert_eq!(data.claims.role, shop_common::auth::Role::User);
    assert_eq!(data.claims.exp - data.claims.iat, 3600);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let s = stack().await;
    register(&s.auth.client, "ada@example.com").await;
    let wrong_password = login(&s.auth.client, "ada@example.com", "Wrong-pass-1")
        .await
        .unwrap_err();
    let unknown_email = login(&s.auth.client, "bob@example.com", PASSWORD)
        .await
        .unwrap_err();
    for status in [&wrong_password, &unknown_email] {
        assert_eq!(status.code(), Code::Unauthenticated);
        assert_eq!(status.message(), "invalid e-mail or password");
    }
}

#[tokio::test]
async fn disabled_account_is_refused_even_with_the_right_password() {
    let s = stack().await;
    let user = register(&s.auth.client, "ada@example.com").await;
    let disable = users_pb::UpdateUserRequest {
        id: user.id.clone(),
        is_active: Some(false),
        ..Default::default()
    };
    s.users.client.clone().update_user(disable).await.unwrap();
    let status = login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    assert_eq!(status.message(), "this account is disabled");
    // A wrong password still gets the answer that reveals nothing.
    let status = login(&s.auth.client, "ada@example.com", "Wrong-pass-1")
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}

#[tokio::test]
async fn empty_credentials_are_invalid_argument() {
    let s = stack().await;
    let status = login(&s.auth.client, " ", "").await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "email: is required; password: is required"
    );
}

#[tokio::test]
async fn repeated_failures_lock_the_email_until_the_lockout_ends() {
    let (mut options, pem) = AuthOptions::new();
    options.throttle = ThrottlePolicy {
        max_failures: 3,
        window: Duration::from_secs(600),
        lockout: Duration::from_secs(1),
        capacity: 1000,
    };
    let s = stack_with(options, pem).await;
    register(&s.auth.client, "ada@example.com").await;
    register(&s.auth.client, "bob@example.com").await;
    for _ in 0..3 {
        let status = login(&s.auth.client, "ada@example.com", "Wrong-pass-1")
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    // Locked: even the right password is refused, in any letter case.
    let status = login(&s.auth.client, "Ada@Example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
    assert!(
        status.message().starts_with("too many failed logins"),
        "{}",
        status.message()
    );
    // Other e-mails are not affected.
    login(&s.auth.client, "bob@example.com", PASSWORD)
        .await
        .unwrap();
    // The lock lifts by itself.
    wait_for("the lockout to end", || async {
        login(&s.auth.client, "ada@example.com", PASSWORD)
            .await
            .ok()
    })
    .await;
}

#[tokio::test]
async fn failures_of_unknown_emails_are_throttled_too() {
    let (mut options, pem) = AuthOptions::new();
    options.throttle.max_failures = 2;
    let s = stack_with(options, pem).await;
    for _ in 0..2 {
        let status = login(&s.auth.client, "ghost@example.com", PASSWORD)
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::Unauthenticated);
    }
    let status = login(&s.auth.client, "ghost@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::ResourceExhausted);
}

#[tokio::test]
async fn no_response_of_auth_carries_a_password_hash() {
    let s = stack().await;
    let registered = register(&s.auth.client, "ada@example.com").await;
    let logged_in = login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap();
    let me = s
        .auth
        .client
        .clone()
        .get_me(pb::GetMeRequest {
            token: logged_in.access_token.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    let responses = [
        (format!("{registered:?}"), registered.encode_to_vec()),
        (format!("{logged_in:?}"), logged_in.encode_to_vec()),
        (format!("{me:?}"), me.encode_to_vec()),
    ];
    for (debug, encoded) in responses {
        assert!(!debug.contains("$argon2"), "{debug}");
        assert!(
            !String::from_utf8_lossy(&encoded).contains("$argon2"),
            "{debug}"
        );
    }
    assert_eq!(me.role(), common_pb::Role::User);
}
