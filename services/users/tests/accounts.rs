//! Creating, reading, listing, updating and deleting accounts through gRPC.

mod support;

use prost::Message;
use shop_common::password::{Argon2Config, PasswordHasher};
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use support::{PASSWORD, create, new_user, start};
use tonic::Code;

#[tokio::test]
async fn created_account_reads_back_with_defaults() {
    let users = start().await;
    let mut request = new_user("  Ada Lovelace ", " Ada@Example.com ");
    request.birthdate = Some("1815-12-10".into());
    let created = users
        .client
        .clone()
        .create_user(request)
        .await
        .unwrap()
        .into_inner();

    assert_eq!(created.name, "Ada Lovelace");
    assert_eq!(created.email, "Ada@Example.com", "trimmed, case kept");
    assert_eq!(created.role(), common_pb::Role::User);
    assert!(created.is_active);
    assert_eq!(created.birthdate.as_deref(), Some("1815-12-10"));
    assert!(created.created_at.is_some() && created.created_at == created.updated_at);
    let version = uuid::Uuid::parse_str(&created.id)
        .unwrap()
        .get_version_num();
    assert_eq!(version, 7);

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
async fn requested_role_is_kept() {
    let users = start().await;
    let mut request = new_user("Seller", "seller@example.com");
    request.role = common_pb::Role::Seller.into();
    let created = users
        .client
        .clone()
        .create_user(request)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.role(), common_pb::Role::Seller);
}

#[tokio::test]
async fn unknown_id_is_not_found_and_malformed_id_is_invalid() {
    let users = start().await;
    let mut client = users.client.clone();
    let unknown = uuid::Uuid::now_v7().to_string();
    let status = client
        .get_user(pb::GetUserRequest { id: unknown })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
    let status = client
        .get_user(pb::GetUserRequest { id: "42".into() })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "id: is not a valid user id (a UUID)");
}

#[tokio::test]
async fn duplicate_email_in_any_case_is_already_exists() {
    let users = start().await;
    create(&users.client, "Ada", "ada@example.com").await;
    let status = users
        .client
        .clone()
        .create_user(new_user("Other Ada", "ADA@example.COM"))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::AlreadyExists);
    assert_eq!(
        status.message(),
        "an account with this e-mail already exists"
    );
}

#[tokio::test]
async fn concurrent_creation_of_one_email_yields_exactly_one_user() {
    let users = start().await;
    let attempts = (0..20).map(|i| {
        let mut client = users.client.clone();
        // Every task uses another letter case: uniqueness must ignore it.
        let email = if i % 2 == 0 {
            "race@example.com"
        } else {
            "RACE@example.com"
        };
        tokio::spawn(async move { client.create_user(new_user("Racer", email)).await })
    });
    let results = futures::future::join_all(attempts).await;
    let codes: Vec<Code> = results
        .into_iter()
        .map(|joined| match joined.expect("task") {
            Ok(_) => Code::Ok,
            Err(status) => status.code(),
        })
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == Code::Ok).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == Code::AlreadyExists).count(),
        19,
        "{codes:?}"
    );
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = 'race@example.com'")
            .fetch_one(&users.db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn credentials_lookup_ignores_case_and_returns_an_argon2id_hash() {
    let users = start().await;
    let created = create(&users.client, "Ada", "Ada@Example.com").await;
    let credentials = users
        .client
        .clone()
        .get_user_credentials(pb::GetUserCredentialsRequest {
            email: "ada@example.COM".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(credentials.user.as_ref(), Some(&created));
    assert!(credentials.password_hash.starts_with("$argon2id$"));
    let hasher = PasswordHasher::new(Argon2Config::FOR_TESTS).unwrap();
    assert!(
        hasher
            .verify(PASSWORD, &credentials.password_hash)
            .await
            .unwrap()
    );

    let status = users
        .client
        .clone()
        .get_user_credentials(pb::GetUserCredentialsRequest {
            email: "nobody@example.com".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::NotFound);
}

#[tokio::test]
async fn credentials_of_an_impossible_email_are_not_found_not_an_error() {
    let users = start().await;
    for email in ["ada\0@example.com", "not an e-mail", ""] {
        let status = users
            .client
            .clone()
            .get_user_credentials(pb::GetUserCredentialsRequest {
                email: email.into(),
            })
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::NotFound, "{email:?}");
    }
}

#[tokio::test]
async fn list_pages_and_sorts_by_each_field() {
    let users = start().await;
    for (name, email) in [
        ("Carol", "a@example.com"),
        ("Alice", "c@example.com"),
        ("Bob", "b@example.com"),
    ] {
        create(&users.client, name, email).await;
    }
    let list = |page: u32, limit: u32, sort: &str, order: common_pb::SortOrder| {
        let mut client = users.client.clone();
        let page = common_pb::PageRequest {
            page,
            limit,
            sort: sort.into(),
            order: order.into(),
        };
        async move {
            let response = client
                .list_users(pb::ListUsersRequest { page: Some(page) })
                .await
                .unwrap()
                .into_inner();
            let names: Vec<String> = response.users.into_iter().map(|u| u.name).collect();
            (names, response.page.unwrap())
        }
    };
    use common_pb::SortOrder::{Asc, Desc, Unspecified};
    assert_eq!(
        list(1, 10, "", Unspecified).await.0,
        ["Bob", "Alice", "Carol"],
        "newest first"
    );
    assert_eq!(
        list(1, 10, "name", Unspecified).await.0,
        ["Alice", "Bob", "Carol"]
    );
    assert_eq!(
        list(1, 10, "email", Desc).await.0,
        ["Alice", "Bob", "Carol"]
    );
    assert_eq!(
        list(1, 10, "createdAt", Asc).await.0,
        ["Carol", "Alice", "Bob"]
    );
    let (names, info) = list(2, 2, "name", Asc).await;
    assert_eq!(names, ["Carol"]);
    assert_eq!((info.total, info.page, info.limit), (3, 2, 2));
}

#[tokio::test]
async fn list_refuses_unknown_sort_and_huge_limit() {
    let users = start().await;
    let page = common_pb::PageRequest {
        page: 1,
        limit: 1000,
        sort: "password_hash".into(),
        order: 0,
    };
    let status = users
        .client
        .clone()
        .list_users(pb::ListUsersRequest { page: Some(page) })
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(
        status.message(),
        "limit: must be between 1 and 100; sort: must be one of created_at, name, email"
    );
}

#[tokio::test]
async fn no_user_facing_response_carries_the_password_hash() {
    let users = start().await;
    let mut client = users.client.clone();
    let created = create(&users.client, "Ada", "ada@example.com").await;
    let read = client
        .get_user(pb::GetUserRequest {
            id: created.id.clone(),
        })
        .await
        .unwrap();
    let listed = client
        .list_users(pb::ListUsersRequest { page: None })
        .await
        .unwrap();
    let update = pb::UpdateUserRequest {
        id: created.id.clone(),
        password: Some("Another-pass-2".into()),
        ..Default::default()
    };
    let updated = client.update_user(update).await.unwrap();

    let responses: Vec<(String, Vec<u8>)> = vec![
        (format!("{created:?}"), created.encode_to_vec()),
        (format!("{read:?}"), read.get_ref().encode_to_vec()),
        (format!("{listed:?}"), listed.get_ref().encode_to_vec()),
        (format!("{updated:?}"), updated.get_ref().encode_to_vec()),
    ];
    for (debug, encoded) in responses {
        assert!(!debug.contains("$argon2"), "{debug}");
        assert!(
            !String::from_utf8_lossy(&encoded).contains("$argon2"),
            "{debug}"
        );
    }
}
