//! Partial updates and deletes.

mod support;

use shop_common::password::{Argon2Config, PasswordHasher};
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use support::{PASSWORD, create, start};
use tonic::Code;

fn update(id: &str) -> pb::UpdateUserRequest {
    pb::UpdateUserRequest {
        id: id.into(),
        ..Default::default()
    }
}

async fn hash_of(client: &support::Client, email: &str) -> String {
    client
        .clone()
        .get_user_credentials(pb::GetUserCredentialsRequest {
            email: email.into(),
        })
        .await
        .unwrap()
        .into_inner()
        .password_hash
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let users = start().await;
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let request = pb::UpdateUserRequest {
        name: Some(" Ada King ".into()),
        birthdate: Some("1815-12-10".into()),
        is_active: Some(false),
        role: Some(common_pb::Role::Admin.into()),
        ..update(&created.id)
    };
    let updated = users
        .client
        .clone()
        .update_user(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.name, "Ada King");
    assert_eq!(updated.email, created.email);
    assert_eq!(updated.birthdate.as_deref(), Some("1815-12-10"));
    assert!(!updated.is_active);
    assert_eq!(updated.role(), common_pb::Role::Admin);
    assert_eq!(updated.created_at, created.created_at);
    let at = |t: Option<prost_types::Timestamp>| t.map(|t| (t.seconds, t.nanos));
    assert!(at(updated.updated_at) > at(created.updated_at));
}

#[tokio::test]
async fn empty_birthdate_clears_it() {
    let users = start().await;
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let mut client = users.client.clone();
    let set = pb::UpdateUserRequest {
        birthdate: Some("2000-01-01".into()),
        ..update(&created.id)
    };
    client.update_user(set).await.unwrap();
    let clear = pb::UpdateUserRequest {
        birthdate: Some(String::new()),
        ..update(&created.id)
    };
    let cleared = client.update_user(clear).await.unwrap().into_inner();
    assert_eq!(cleared.birthdate, None);
}

#[tokio::test]
async fn new_password_is_hashed_and_replaces_the_old_one() {
    let users = start().await;
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let old_hash = hash_of(&users.client, "ada@example.com").await;
    let request = pb::UpdateUserRequest {
        password: Some("Brand-new-pass-9".into()),
        ..update(&created.id)
    };
    users.client.clone().update_user(request).await.unwrap();

    let new_hash = hash_of(&users.client, "ada@example.com").await;
    assert_ne!(new_hash, old_hash);
    let hasher = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
    assert!(hasher.verify("Brand-new-pass-9", &new_hash).await.unwrap());
    assert!(!hasher.verify(PASSWORD, &new_hash).await.unwrap());
}

#[tokio::test]
async fn changing_to_a_taken_email_is_already_exists() {
    let users = start().await;
    create(&users.client, "Ada", "ada@example.com").await;
    let bob = create(&users.client, "Bob", "bob@example.com").await;
    let request = pb::UpdateUserRequest {
        email: Some("ADA@example.com".into()),
        ..update(&bob.id)
    };
    let status = users.client.clone().update_user(request).await.unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);

    let own = pb::UpdateUserRequest {
        email: Some("BOB@example.com".into()),
        ..update(&bob.id)
    };
    let renamed = users
        .client
        .clone()
        .update_user(own)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        renamed.email, "BOB@example.com",
        "changing one's own letter case is fine"
    );
}

#[tokio::test]
async fn updating_an_unknown_id_is_not_found() {
    let users = start().await;
    let request = pb::UpdateUserRequest {
        name: Some("Nobody".into()),
        ..update(&uuid::Uuid::now_v7().to_string())
    };
    let status = users.client.clone().update_user(request).await.unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn invalid_update_fields_are_named_and_change_nothing() {
    let users = start().await;
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let request = pb::UpdateUserRequest {
        name: Some(String::new()),
        email: Some("not-an-email".into()),
        password: Some("weak".into()),
        role: Some(common_pb::Role::Unspecified.into()),
        ..update(&created.id)
    };
    let status = users.client.clone().update_user(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "name: is required; email: is not a valid e-mail address; \
         password: must have at least 8 characters, an upper-case letter, a digit, a symbol; \
         role: must be ROLE_USER, ROLE_SELLER, ROLE_ADMIN or ROLE_SUPER_ADMIN"
    );
    let read = users
        .client
        .clone()
        .get_user(pb::GetUserRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(read, created);
}

#[tokio::test]
async fn delete_removes_the_account_once() {
    let users = start().await;
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let mut client = users.client.clone();
    client
        .delete_user(pb::DeleteUserRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap();
    let status = client
        .get_user(pb::GetUserRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .delete_user(pb::DeleteUserRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    // The e-mail is free again.
    create(&users.client, "Ada again", "ada@example.com").await;
}
