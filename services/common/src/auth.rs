//! Roles and the JWT claims every service agrees on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use shop_proto::common::v1 as pb;

/// A user's role, from least to most privileged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    User,
    Seller,
    Admin,
    SuperAdmin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "USER",
            Role::Seller => "SELLER",
            Role::Admin => "ADMIN",
            Role::SuperAdmin => "SUPER_ADMIN",
        }
    }

    /// ADMIN or SUPER_ADMIN.
    pub fn is_admin(self) -> bool {
        matches!(self, Role::Admin | Role::SuperAdmin)
    }

    /// Whether public registration may grant this role without an admin's token.
    pub fn is_privileged(self) -> bool {
        self != Role::User
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown role `{0}` (expected USER, SELLER, ADMIN or SUPER_ADMIN)")]
pub struct UnknownRole(String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "USER" => Ok(Role::User),
            "SELLER" => Ok(Role::Seller),
            "ADMIN" => Ok(Role::Admin),
            "SUPER_ADMIN" => Ok(Role::SuperAdmin),
            _ => Err(UnknownRole(s.to_owned())),
        }
    }
}

impl From<Role> for pb::Role {
    fn from(role: Role) -> Self {
        match role {
            Role::User => pb::Role::User,
            Role::Seller => pb::Role::Seller,
            Role::Admin => pb::Role::Admin,
            Role::SuperAdmin => pb::Role::SuperAdmin,
        }
    }
}

impl TryFrom<pb::Role> for Role {
    type Error = UnknownRole;
    fn try_from(role: pb::Role) -> Result<Self, Self::Error> {
        match role {
            pb::Role::User => Ok(Role::User),
            pb::Role::Seller => Ok(Role::Seller),
            pb::Role::Admin => Ok(Role::Admin),
            pb::Role::SuperAdmin => Ok(Role::SuperAdmin),
            pb::Role::Unspecified => Err(UnknownRole("ROLE_UNSPECIFIED".into())),
        }
    }
}

/// Who is calling, parsed from the `Actor` the gateway puts in requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub user_id: uuid::Uuid,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum ActorError {
    #[error("the request carries no actor")]
    Missing,
    #[error("actor.user_id is not a UUID")]
    BadUserId,
    #[error(transparent)]
    BadRole(#[from] UnknownRole),
}

impl Actor {
    /// Parses the actor of a request; services answer PermissionDenied on error.
    pub fn from_proto(actor: Option<&pb::Actor>) -> Result<Self, ActorError> {
        let actor = actor.ok_or(ActorError::Missing)?;
        Ok(Self {
            user_id: actor.user_id.parse().map_err(|_| ActorError::BadUserId)?,
            role: Role::try_from(actor.role())?,
        })
    }

    pub fn is_admin(&self) -> bool {
        self.role.is_admin()
    }
}

impl From<Actor> for pb::Actor {
    fn from(actor: Actor) -> Self {
        pb::Actor {
            user_id: actor.user_id.to_string(),
            role: pb::Role::from(actor.role).into(),
        }
    }
}

impl From<ActorError> for crate::error::ServiceError {
    fn from(error: ActorError) -> Self {
        crate::error::ServiceError::PermissionDenied(error.to_string())
    }
}

/// The claims of an access token (`sub` is the user id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: String,
    pub role: Role,
    /// Issued at, seconds since the epoch.
    pub iat: i64,
    /// Expires at, seconds since the epoch.
    pub exp: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_serialize_as_the_seed_did() {
        assert_eq!(
            serde_json::to_string(&Role::SuperAdmin).unwrap(),
            "\"SUPER_ADMIN\""
        );
        assert_eq!("seller".parse::<Role>().unwrap(), Role::Seller);
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn roles_round_trip_through_protobuf() {
        for role in [Role::User, Role::Seller, Role::Admin, Role::SuperAdmin] {
            assert_eq!(Role::try_from(pb::Role::from(role)).unwrap(), role);
        }
        assert!(Role::try_from(pb::Role::Unspecified).is_err());
    }

    #[test]
    fn actor_round_trips_and_refuses_garbage() {
        let actor = Actor {
            user_id: uuid::Uuid::now_v7(),
            role: Role::Seller,
        };
        assert_eq!(
            Actor::from_proto(Some(&pb::Actor::from(actor))).unwrap(),
            actor
        );
        assert!(matches!(Actor::from_proto(None), Err(ActorError::Missing)));
        let bad = pb::Actor {
            user_id: "1 OR 1=1".into(),
            role: pb::Role::Admin.into(),
        };
        assert!(matches!(
            Actor::from_proto(Some(&bad)),
            Err(ActorError::BadUserId)
        ));
    }

    #[test]
    fn only_admins_are_admins() {
        assert!(Role::Admin.is_admin() && Role::SuperAdmin.is_admin());
        assert!(!Role::Seller.is_admin() && !Role::User.is_admin());
        assert!(!Role::User.is_privileged() && Role::Seller.is_privileged());
    }
}
