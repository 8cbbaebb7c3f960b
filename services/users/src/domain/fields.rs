//! Validated values of an account: each parsed once at the gRPC edge, so a value that
//! exists inside the service is valid.

use std::fmt;

use time::macros::format_description;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use shop_common::password::{WeakPassword, check_strength};

/// Longest accepted name, in characters.
pub const MAX_NAME_CHARS: usize = 150;

/// A user's id: a UUID v7, so ids sort by creation time and index well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub Uuid);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("is not a valid user id (a UUID)")]
pub struct InvalidUserId;

impl UserId {
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidUserId> {
        raw.trim().parse().map(Self).map_err(|_| InvalidUserId)
    }
}

impl Default for UserId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A display name: trimmed, 1 to 150 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserName(String);

/// Why a name was refused (shared with every text field of the platform).
pub use shop_common::text::TextError as InvalidName;

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, InvalidName> {
        shop_common::text::required(raw, MAX_NAME_CHARS).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A birth date: a calendar date that is not in the future.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Birthdate(pub Date);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidBirthdate {
    #[error("must be a date written YYYY-MM-DD")]
    Format,
    #[error("must not be in the future")]
    Future,
}

impl Birthdate {
    /// Parses `YYYY-MM-DD`; `today` is the latest date accepted.
    pub fn parse(raw: &str, today: Date) -> Result<Self, InvalidBirthdate> {
        let date = Date::parse(raw.trim(), format_description!("[year]-[month]-[day]"))
            .map_err(|_| InvalidBirthdate::Format)?;
        if date > today {
            return Err(InvalidBirthdate::Future);
        }
        Ok(Self(date))
    }

    /// Today's date where it is latest on Earth (UTC+14): a birthdate someone typed
    /// in Kiribati is not "in the future" just because it is still yesterday in UTC.
    pub fn latest_today() -> Date {
        (OffsetDateTime::now_utc() + time::Duration::hours(14)).date()
    }
}

/// A plain password that meets the strength policy, on its way to being hashed. Its
/// `Debug` never shows it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, WeakPassword> {
        check_strength(raw)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn names_are_trimmed_required_and_bounded() {
        assert_eq!(UserName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert_eq!(UserName::parse("   "), Err(InvalidName::Empty));
        let longest = "é".repeat(MAX_NAME_CHARS);
        assert!(
            UserName::parse(&longest).is_ok(),
            "150 characters, 300 bytes"
        );
        assert_eq!(
            UserName::parse(&format!("{longest}x")),
            Err(InvalidName::TooLong {
                max: MAX_NAME_CHARS
            })
        );
    }

    #[test]
    fn birthdates_are_iso_dates_not_after_today() {
        let today = date!(2026 - 03 - 15);
        assert_eq!(
            Birthdate::parse("1990-12-31", today),
            Ok(Birthdate(date!(1990 - 12 - 31)))
        );
        assert_eq!(Birthdate::parse("2026-03-15", today), Ok(Birthdate(today)));
        assert_eq!(
            Birthdate::parse("2026-03-16", today),
            Err(InvalidBirthdate::Future)
        );
        for raw in ["1990-02-30", "31/12/1990", "1990-1-1", "yesterday", ""] {
            assert_eq!(
                Birthdate::parse(raw, today),
                Err(InvalidBirthdate::Format),
                "{raw}"
            );
        }
    }

    #[test]
    fn user_ids_are_uuids() {
        let id = UserId::new();
        assert_eq!(UserId::parse(&id.to_string()), Ok(id));
        assert_eq!(UserId::parse("42"), Err(InvalidUserId));
    }

    #[test]
    fn passwords_follow_the_policy_and_hide_in_debug() {
        assert!(Password::parse("weak").is_err());
        let password = Password::parse("Rustshop-admin-1").unwrap();
        assert_eq!(format!("{password:?}"), "Password(***)");
    }
}
