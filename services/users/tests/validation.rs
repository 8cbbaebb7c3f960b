//! Every validation rule answers InvalidArgument naming the field, and stores nothing.

mod support;

use shop_proto::users::v1 as pb;
use support::{new_user, start};
use tonic::Code;
use tonic_types::StatusExt;

struct Case {
    rule: &'static str,
    request: pb::CreateUserRequest,
    message: &'static str,
}

fn case(
    rule: &'static str,
    change: impl FnOnce(&mut pb::CreateUserRequest),
    message: &'static str,
) -> Case {
    let mut request = new_user("Ada", "ada@example.com");
    change(&mut request);
    Case {
        rule,
        request,
        message,
    }
}

fn cases() -> Vec<Case> {
    vec![
        case(
            "name required",
            |r| r.name = "   ".into(),
            "name: is required",
        ),
        case(
            "name at most 150 characters",
            |r| r.name = "x".repeat(151),
            "name: must be at most 150 characters",
        ),
        case(
            "valid e-mail",
            |r| r.email = "ada.example.com".into(),
            "email: is not a valid e-mail address",
        ),
        case(
            "password length",
            |r| r.password = "Aa1!aaa".into(),
            "password: must have at least 8 characters",
        ),
        case(
            "password upper-case",
            |r| r.password = "rustshop-user-1".into(),
            "password: must have an upper-case letter",
        ),
        case(
            "password lower-case",
            |r| r.password = "RUSTSHOP-USER-1".into(),
            "password: must have a lower-case letter",
        ),
        case(
            "password digit",
            |r| r.password = "Rustshop-user".into(),
            "password: must have a digit",
        ),
        case(
            "password symbol",
            |r| r.password = "Rustshopuser1".into(),
            "password: must have a symbol",
        ),
        case(
            "birthdate format",
            |r| r.birthdate = Some("10/12/1815".into()),
            "birthdate: must be a date written YYYY-MM-DD",
        ),
        case(
            "birthdate not in the future",
            |r| r.birthdate = Some("2999-01-01".into()),
            "birthdate: must not be in the future",
        ),
        case(
            "known role",
            |r| r.role = 42,
            "role: must be ROLE_USER, ROLE_SELLER, ROLE_ADMIN or ROLE_SUPER_ADMIN",
        ),
    ]
}

#[tokio::test]
async fn each_rule_is_invalid_argument_naming_the_field() {
    let users = start().await;
    for Case {
        rule,
        request,
        message,
    } in cases()
    {
        let status = users.client.clone().create_user(request).await.unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{rule}");
        assert_eq!(status.message(), message, "{rule}");
        let details = status.get_error_details();
        let field = details
            .bad_request()
            .expect("field violations")
            .field_violations[0]
            .field
            .clone();
        assert!(
            message.starts_with(&format!("{field}: ")),
            "{rule}: {field}"
        );
    }
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&users.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn all_invalid_fields_are_reported_together() {
    let users = start().await;
    let request = pb::CreateUserRequest {
        name: String::new(),
        email: "nope".into(),
        password: "password".into(),
        birthdate: Some("tomorrow".into()),
        role: 0,
    };
    let status = users.client.clone().create_user(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    let details = status.get_error_details();
    let fields: Vec<&str> = details
        .bad_request()
        .unwrap()
        .field_violations
        .iter()
        .map(|v| v.field.as_str())
        .collect();
    assert_eq!(fields, ["name", "email", "password", "birthdate"]);
}
