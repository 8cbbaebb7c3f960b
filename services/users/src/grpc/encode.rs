//! Domain values to responses. A [`User`] has no password hash, so no response built
//! here can carry one.

use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use time::{Date, OffsetDateTime};

use crate::domain::User;

pub fn user(user: &User) -> pb::User {
    pb::User {
        id: user.id.to_string(),
        name: user.name.clone(),
        email: user.email.clone(),
        role: common_pb::Role::from(user.role).into(),
        is_active: user.is_active,
        birthdate: user.birthdate.map(iso_date),
        created_at: Some(timestamp(user.created_at)),
        updated_at: Some(timestamp(user.updated_at)),
    }
}

/// `YYYY-MM-DD`.
fn iso_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

fn timestamp(at: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: at.unix_timestamp(),
        // Always below 10^9, so it fits.
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn dates_are_iso_and_timestamps_keep_nanoseconds() {
        assert_eq!(iso_date(date!(0987 - 01 - 02)), "0987-01-02");
        let at = datetime!(2026-03-15 12:00:00.000_000_123 UTC);
        assert_eq!(
            timestamp(at),
            prost_types::Timestamp {
                seconds: 1_773_576_000,
                nanos: 123
            }
        );
    }
}
