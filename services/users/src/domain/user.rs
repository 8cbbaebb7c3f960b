//! Accounts: what is created, what an update changes, what is read back.

use shop_common::auth::Role;
use shop_common::pagination::{SortField, SortOrder};
use time::{Date, OffsetDateTime};

use super::email::Email;
use super::fields::{Birthdate, Password, UserId, UserName};

/// A validated account to create. `role` is what the (trusted, internal) caller asked
/// for: deciding who may ask for a privileged role is the caller's job (auth's Register).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: UserName,
    pub email: Email,
    pub password: Password,
    pub birthdate: Option<Birthdate>,
    pub role: Role,
}

/// A validated partial update: `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserChanges {
    pub name: Option<UserName>,
    pub email: Option<Email>,
    pub password: Option<Password>,
    /// `Some(None)` clears the birthdate.
    pub birthdate: Option<Option<Birthdate>>,
    pub is_active: Option<bool>,
    pub role: Option<Role>,
}

/// An account as stored, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub is_active: bool,
    pub birthdate: Option<Date>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An account with its argon2id hash: only for auth's credential check.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// What a user listing can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserSort {
    CreatedAt,
    Name,
    Email,
}

impl SortField for UserSort {
    const NAMES: &'static [&'static str] = &["created_at", "name", "email"];
    const DEFAULT: Self = UserSort::CreatedAt;

    fn default_order(self) -> SortOrder {
        match self {
            UserSort::CreatedAt => SortOrder::Desc,
            UserSort::Name | UserSort::Email => SortOrder::Asc,
        }
    }

    fn parse(name: &str) -> Option<Self> {
        match name {
            "created_at" | "createdAt" => Some(UserSort::CreatedAt),
            "name" => Some(UserSort::Name),
            "email" => Some(UserSort::Email),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_default_to_newest_first_and_names_a_to_z() {
        assert_eq!(UserSort::DEFAULT.default_order(), SortOrder::Desc);
        assert_eq!(UserSort::parse("createdAt"), Some(UserSort::CreatedAt));
        assert_eq!(
            UserSort::parse("email").map(UserSort::default_order),
            Some(SortOrder::Asc)
        );
        assert_eq!(UserSort::parse("password_hash"), None);
    }
}
