//! Requests to domain values: every invalid field is reported at once, as
//! InvalidArgument with one field violation each.

use std::fmt::Display;

use shop_common::auth::Role;
use shop_common::error::{FieldViolation, ServiceError};
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use time::Date;

use crate::domain::{Birthdate, Email, NewUser, Password, UserChanges, UserId, UserName};

/// The invalid fields of one request.
#[derive(Default)]
struct Violations(Vec<FieldViolation>);

impl Violations {
    /// The value, or `None` with the field's violation recorded.
    fn check<T, E: Display>(&mut self, field: &str, result: Result<T, E>) -> Option<T> {
        result
            .map_err(|error| self.0.push(FieldViolation::new(field, error.to_string())))
            .ok()
    }

    fn into_error(self) -> ServiceError {
        ServiceError::Validation(self.0)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("must be ROLE_USER, ROLE_SELLER, ROLE_ADMIN or ROLE_SUPER_ADMIN")]
struct InvalidRole;

/// A protobuf role; `ROLE_UNSPECIFIED` means `unspecified`, when that is allowed.
fn role(raw: i32, unspecified: Option<Role>) -> Result<Role, InvalidRole> {
    match common_pb::Role::try_from(raw) {
        Ok(common_pb::Role::Unspecified) => unspecified.ok_or(InvalidRole),
        Ok(role) => Role::try_from(role).map_err(|_| InvalidRole),
        Err(_) => Err(InvalidRole),
    }
}

/// An optional birthdate; in an update an empty string clears it.
fn birthdate(raw: &str, today: Date) -> Result<Option<Birthdate>, impl Display> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        Birthdate::parse(raw, today).map(Some)
    }
}

pub fn user_id(raw: &str) -> Result<UserId, ServiceError> {
    let mut violations = Violations::default();
    violations
        .check("id", UserId::parse(raw))
        .ok_or_else(|| violations.into_error())
}

/// `today` is the latest birthdate accepted.
pub fn new_user(request: &pb::CreateUserRequest, today: Date) -> Result<NewUser, ServiceError> {
    let mut v = Violations::default();
    let name = v.check("name", UserName::parse(&request.name));
    let email = v.check("email", Email::parse(&request.email));
    let password = v.check("password", Password::parse(&request.password));
    let birthdate = match request.birthdate.as_deref() {
        Some(raw) => v.check("birthdate", birthdate(raw, today)),
        None => Some(None),
    };
    let role = v.check("role", role(request.role, Some(Role::User)));
    match (name, email, password, birthdate, role) {
        (Some(name), Some(email), Some(password), Some(birthdate), Some(role)) => Ok(NewUser {
            name,
            email,
            password,
            birthdate,
            role,
        }),
        _ => Err(v.into_error()),
    }
}

/// The account to change and what to change; absent fields stay as they are.
pub fn changes(
    request: &pb::UpdateUserRequest,
    today: Date,
) -> Result<(UserId, UserChanges), ServiceError> {
    let mut v = Violations::default();
    let id = v.check("id", UserId::parse(&request.id));
    let mut changes = UserChanges {
        is_active: request.is_active,
        ..UserChanges::default()
    };
    if let Some(raw) = &request.name {
        changes.name = v.check("name", UserName::parse(raw));
    }
    if let Some(raw) = &request.email {
        changes.email = v.check("email", Email::parse(raw));
    }
    if let Some(raw) = &request.password {
        changes.password = v.check("password", Password::parse(raw));
    }
    if let Some(raw) = &request.birthdate {
        changes.birthdate = v.check("birthdate", birthdate(raw, today));
    }
    if let Some(raw) = request.role {
        changes.role = v.check("role", role(raw, None));
    }
    match id {
        Some(id) if v.0.is_empty() => Ok((id, changes)),
        _ => Err(v.into_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 03 - 15);

    fn fields(error: ServiceError) -> Vec<String> {
        match error {
            ServiceError::Validation(violations) => {
                violations.into_iter().map(|v| v.field).collect()
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn unspecified_role_creates_a_user() {
        let request = pb::CreateUserRequest {
            name: "Ada".into(),
            email: "ada@example.com".into(),
            password: "Rustshop-admin-1".into(),
            birthdate: None,
            role: common_pb::Role::Unspecified.into(),
        };
        assert_eq!(new_user(&request, TODAY).unwrap().role, Role::User);
    }

    #[test]
    fn every_invalid_field_is_named() {
        let request = pb::CreateUserRequest {
            name: " ".into(),
            email: "ada".into(),
            password: "weak".into(),
            birthdate: Some("2999-01-01".into()),
            role: 42,
        };
        let error = new_user(&request, TODAY).unwrap_err();
        assert_eq!(
            fields(error),
            ["name", "email", "password", "birthdate", "role"]
        );
    }

    #[test]
    fn update_reads_only_present_fields_and_empty_birthdate_clears() {
        let id = UserId::new();
        let request = pb::UpdateUserRequest {
            id: id.to_string(),
            birthdate: Some(String::new()),
            is_active: Some(false),
            ..Default::default()
        };
        let (parsed, changes) = changes(&request, TODAY).unwrap();
        assert_eq!(parsed, id);
        assert_eq!(changes.birthdate, Some(None));
        assert_eq!(changes.is_active, Some(false));
        assert!(changes.name.is_none() && changes.email.is_none() && changes.role.is_none());
    }

    #[test]
    fn update_refuses_unspecified_role_and_bad_id() {
        let request = pb::UpdateUserRequest {
            id: "nope".into(),
            role: Some(common_pb::Role::Unspecified.into()),
            ..Default::default()
        };
        assert_eq!(
            fields(changes(&request, TODAY).unwrap_err()),
            ["id", "role"]
        );
    }
}
