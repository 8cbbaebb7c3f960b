//! Register: anyone gets a USER; privileged roles only with an admin's token.

mod support;

use shop_proto::common::v1::Role;
use shop_proto::users::v1 as users_pb;
use support::{PASSWORD, Stack, admin_token, login, register, register_request, stack};
use tonic::Code;

async fn register_as(
    s: &Stack,
    email: &str,
    role: Role,
    caller_token: Option<String>,
) -> Result<users_pb::User, tonic::Status> {
    let request = shop_proto::auth::v1::RegisterRequest {
        role: role.into(),
        caller_token,
        ..register_request(email)
    };
    s.auth
        .client
        .clone()
        .register(request)
        .await
        .map(tonic::Response::into_inner)
}

async fn count_users(s: &Stack) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&s.users.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn anyone_registers_a_user_who_can_then_log_in() {
    let s = stack().await;
    let user = register(&s.auth.client, "ada@example.com").await;
    assert_eq!(user.role(), Role::User);
    login(&s.auth.client, "ada@example.com", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn privileged_roles_without_an_admin_token_are_permission_denied() {
    let s = stack().await;
    register(&s.auth.client, "user@example.com").await;
    let user_token = login(&s.auth.client, "user@example.com", PASSWORD)
        .await
        .unwrap()
        .access_token;
    let before = count_users(&s).await;
    for role in [Role::Seller, Role::Admin, Role::SuperAdmin] {
        for caller in [
            None,
            Some("not-a-token".to_owned()),
            Some(user_token.clone()),
        ] {
            let status = register_as(&s, "mallory@example.com", role, caller.clone())
                .await
                .unwrap_err();
            assert_eq!(
                status.code(),
                Code::PermissionDenied,
                "{role:?} by {caller:?}"
            );
        }
    }
    assert_eq!(count_users(&s).await, before, "nothing was created");
}

#[tokio::test]
async fn admins_grant_roles_up_to_their_own() {
    let s = stack().await;
    let super_admin = admin_token(&s.auth.client).await;
    let admin = register_as(
        &s,
        "admin@example.com",
        Role::Admin,
        Some(super_admin.clone()),
    )
    .await
    .unwrap();
    assert_eq!(admin.role(), Role::Admin);
    let admin_token = login(&s.auth.client, "admin@example.com", PASSWORD)
        .await
        .unwrap()
        .access_token;

    let seller = register_as(
        &s,
        "seller@example.com",
        Role::Seller,
        Some(admin_token.clone()),
    )
    .await
    .unwrap();
    assert_eq!(seller.role(), Role::Seller);
    let status = register_as(&s, "root@example.com", Role::SuperAdmin, Some(admin_token))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::PermissionDenied);
    let root = register_as(&s, "root@example.com", Role::SuperAdmin, Some(super_admin))
        .await
        .unwrap();
    assert_eq!(root.role(), Role::SuperAdmin);
}

#[tokio::test]
async fn users_refusals_reach_the_caller_unchanged() {
    let s = stack().await;
    register(&s.auth.client, "ada@example.com").await;
    let status = register_as(&s, "ADA@example.com", Role::User, None)
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(
        status.message(),
        "an account with this e-mail already exists"
    );

    let weak = shop_proto::auth::v1::RegisterRequest {
        password: "password".into(),
        ..register_request("bob@example.com")
    };
    let status = s.auth.client.clone().register(weak).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "password: must have an upper-case letter, a digit, a symbol"
    );
}

#[tokio::test]
async fn unknown_role_is_invalid_argument() {
    let s = stack().await;
    let request = shop_proto::auth::v1::RegisterRequest {
        role: 42,
        ..register_request("ada@example.com")
    };
    let status = s.auth.client.clone().register(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "role: must be ROLE_USER, ROLE_SELLER, ROLE_ADMIN or ROLE_SUPER_ADMIN"
    );
}
