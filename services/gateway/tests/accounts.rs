//! Registration, login and the user records, with their role and ownership rules.

mod support;

use serde_json::json;
use shop_auth::throttle::ThrottlePolicy;
use support::{Options, PASSWORD, Stack, assert_error, error_fields};

fn new_email() -> String {
    format!("{}@example.com", uuid::Uuid::new_v4().simple())
}

fn registration(email: &str) -> serde_json::Value {
    json!({"name": "Ada Lovelace", "email": email, "password": PASSWORD, "birthdate": "1990-12-10"})
}

#[tokio::test]
async fn registration_answers_201_with_the_account_and_login_signs_in() {
    let stack = Stack::start(Options::default()).await;
    let email = new_email();
    let reply = stack
        .post("/api/v1/auth/register", None, registration(&email))
        .await
        .expect(201);
    assert_eq!(reply.body["success"], json!(true));
    assert_eq!(reply.body["statusCode"], json!(201));
    let user = reply.data();
    assert_eq!(user["email"], json!(email));
    assert_eq!(user["role"], json!("USER"));
    assert_eq!(user["isActive"], json!(true));
    assert_eq!(user["birthdate"], json!("1990-12-10"));
    assert!(user["createdAt"].as_str().is_some_and(|t| t.contains('T')));
    assert!(user.get("password").is_none() && user.get("passwordHash").is_none());

    let login = stack.login(&email, PASSWORD).await.expect(200);
    assert_eq!(login.data()["tokenType"], json!("Bearer"));
    let token = login.data()["accessToken"].as_str().unwrap().to_owned();
    let me = stack.get("/api/v1/auth/me", Some(&token)).await.expect(200);
    assert_eq!(me.data()["id"], user["id"]);
}

#[tokio::test]
async fn a_duplicate_email_is_409() {
    let stack = Stack::start(Options::default()).await;
    let email = new_email();
    let path = "/api/v1/auth/register";
    stack
        .post(path, None, registration(&email))
        .await
        .expect(201);
    let again = stack
        .post(path, None, registration(&email.to_uppercase()))
        .await;
    assert_error(&again, 409, path);
}

#[tokio::test]
async fn invalid_fields_are_each_named() {
    let stack = Stack::start(Options::default()).await;
    let path = "/api/v1/auth/register";
    let body = json!({"name": "Ada", "email": "not-an-email", "password": "short"});
    let reply = stack.post(path, None, body).await;
    assert_error(&reply, 400, path);
    assert_eq!(reply.body["error"]["message"], json!("Validation failed"));
    let mut fields = error_fields(&reply);
    fields.sort();
    assert_eq!(fields, ["email", "password"]);
}

#[tokio::test]
async fn public_registration_cannot_grant_a_privileged_role() {
    let stack = Stack::start(Options::default()).await;
    let path = "/api/v1/auth/register";
    let mut body = registration(&new_email());
    body["role"] = json!("ADMIN");
    assert_error(&stack.post(path, None, body.clone()).await, 403, path);

    let user = stack.account("USER").await;
    assert_error(
        &stack.post(path, Some(&user.token), body.clone()).await,
        403,
        path,
    );

    let admin = stack.account("ADMIN").await;
    body["role"] = json!("SELLER");
    let seller = stack.post(path, Some(&admin.token), body).await.expect(201);
    assert_eq!(seller.data()["role"], json!("SELLER"));
}

#[tokio::test]
async fn wrong_credentials_are_401_alike_and_repeated_failures_429() {
    let stack = Stack::start(Options {
        throttle: ThrottlePolicy {
            max_failures: 2,
            ..ThrottlePolicy::default()
        },
        ..Options::default()
    })
    .await;
    let path = "/api/v1/auth/login";
    let account = stack.account("USER").await;
    let unknown = stack.login(&new_email(), PASSWORD).await;
    let wrong = stack.login(&account.email, "Wrong-password-1").await;
    assert_error(&unknown, 401, path);
    assert_error(&wrong, 401, path);
    assert_eq!(unknown.body["error"], wrong.body["error"]);

    stack
        .login(&account.email, "Wrong-password-2")
        .await
        .expect(401);
    let locked = stack.login(&account.email, PASSWORD).await;
    assert_error(&locked, 429, path);
}

#[tokio::test]
async fn only_administrators_list_users_in_pages() {
    let stack = Stack::start(Options::default()).await;
    let user = stack.account("USER").await;
    let seller = stack.account("SELLER").await;
    for token in [&user.token, &seller.token] {
        assert_error(
            &stack.get("/api/v1/users", Some(token)).await,
            403,
            "/api/v1/users",
        );
    }
    let admin = stack.account("ADMIN").await;
    let page = stack
        .get(
            "/api/v1/users?page=1&limit=2&sort=email&order=asc",
            Some(&admin.token),
        )
        .await
        .expect(200);
    let data = page.data();
    assert_eq!(data["data"].as_array().unwrap().len(), 2);
    assert_eq!(
        (data["page"].clone(), data["limit"].clone()),
        (json!(1), json!(2))
    );
    assert!(data["total"].as_u64().unwrap() >= 4, "{data:#}");

    let bad = stack
        .get("/api/v1/users?limit=1000", Some(&admin.token))
        .await;
    assert_eq!(error_fields(&bad.expect(400)), ["limit"]);
}

#[tokio::test]
async fn a_user_reads_and_changes_itself_but_not_others() {
    let stack = Stack::start(Options::default()).await;
    let ada = stack.account("USER").await;
    let bob = stack.account("USER").await;
    let own = format!("/api/v1/users/{}", ada.id);
    let other = format!("/api/v1/users/{}", bob.id);
    stack.get(&own, Some(&ada.token)).await.expect(200);
    assert_error(&stack.get(&other, Some(&ada.token)).await, 403, &other);

    let renamed = stack
        .patch(&own, Some(&ada.token), json!({"name": "Ada King"}))
        .await
        .expect(200);
    assert_eq!(renamed.data()["name"], json!("Ada King"));
    let steal = stack
        .patch(&other, Some(&ada.token), json!({"name": "Mallory"}))
        .await;
    assert_error(&steal, 403, &other);
    let promote = stack
        .patch(&own, Some(&ada.token), json!({"role": "ADMIN"}))
        .await;
    assert_error(&promote, 403, &own);
    let reactivate = stack
        .patch(&own, Some(&ada.token), json!({"isActive": true}))
        .await;
    assert_error(&reactivate, 403, &own);
}

#[tokio::test]
async fn an_admin_reads_anyone_but_only_the_super_admin_changes_roles_and_deletes() {
    let stack = Stack::start(Options::default()).await;
    let admin = stack.account("ADMIN").await;
    let user = stack.account("USER").await;
    let root = stack.root().await;
    let path = format!("/api/v1/users/{}", user.id);
    stack.get(&path, Some(&admin.token)).await.expect(200);

    let by_admin = stack
        .patch(&path, Some(&admin.token), json!({"role": "SELLER"}))
        .await;
    assert_error(&by_admin, 403, &path);
    let by_root = stack
        .patch(&path, Some(&root.token), json!({"role": "SELLER"}))
        .await
        .expect(200);
    assert_eq!(by_root.data()["role"], json!("SELLER"));

    assert_error(&stack.delete(&path, Some(&admin.token)).await, 403, &path);
    let deleted = stack.delete(&path, Some(&root.token)).await.expect(200);
    assert_eq!(deleted.data(), &json!({"id": user.id, "deleted": true}));
    assert_error(&stack.get(&path, Some(&root.token)).await, 404, &path);
}

#[tokio::test]
async fn tokens_of_deleted_disabled_or_demoted_accounts_are_refused_at_once() {
    let stack = Stack::start(Options::default()).await;
    let root = stack.root().await;
    let me = "/api/v1/auth/me";
    let users = "/api/v1/users";

    let disabled = stack.account("USER").await;
    let path = format!("{users}/{}", disabled.id);
    stack.get(me, Some(&disabled.token)).await.expect(200);
    let change = json!({"isActive": false});
    stack
        .patch(&path, Some(&root.token), change)
        .await
        .expect(200);
    assert_error(&stack.get(&path, Some(&disabled.token)).await, 403, &path);

    let demoted = stack.account("ADMIN").await;
    stack.get(users, Some(&demoted.token)).await.expect(200);
    let path = format!("{users}/{}", demoted.id);
    let change = json!({"role": "USER"});
    stack
        .patch(&path, Some(&root.token), change)
        .await
        .expect(200);
    assert_error(&stack.get(users, Some(&demoted.token)).await, 401, users);

    let deleted = stack.account("USER").await;
    let path = format!("{users}/{}", deleted.id);
    stack.get(&path, Some(&deleted.token)).await.expect(200);
    stack.delete(&path, Some(&root.token)).await.expect(200);
    assert_error(&stack.get(&path, Some(&deleted.token)).await, 401, &path);
    assert_error(&stack.get(me, Some(&deleted.token)).await, 401, me);
}
