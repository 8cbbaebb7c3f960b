//! Accounts: registration, login, the user record and its changes.

use serde::{Deserialize, Serialize};
use shop_common::auth::Role;
use shop_proto::auth::v1 as auth_pb;
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{RoleName, timestamp};
use crate::error::ApiError;

/// An account (never its password).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[schema(example = "0199a3b2-7c4e-7d1a-9f0e-2b5c8d1e4f60")]
    pub id: String,
    #[schema(example = "Ada Lovelace")]
    pub name: String,
    #[schema(example = "ada@example.com")]
    pub email: String,
    #[schema(value_type = RoleName)]
    pub role: Role,
    pub is_active: bool,
    /// `YYYY-MM-DD`.
    #[schema(example = "1990-12-10")]
    pub birthdate: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub created_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

impl TryFrom<pb::User> for User {
    type Error = ApiError;
    fn try_from(user: pb::User) -> Result<Self, ApiError> {
        let role = Role::try_from(user.role()).map_err(|_| {
            tracing::error!(user_id = %user.id, "users answered an account without a role");
            ApiError::Internal
        })?;
        Ok(Self {
            id: user.id,
            name: user.name,
            email: user.email,
            role,
            is_active: user.is_active,
            birthdate: user.birthdate,
            created_at: timestamp(user.created_at),
            updated_at: timestamp(user.updated_at),
        })
    }
}

/// `POST /auth/register`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterBody {
    /// 1 to 150 characters, not only spaces.
    #[schema(
        example = "Ada Lovelace",
        min_length = 1,
        max_length = 150,
        pattern = r"\S"
    )]
    pub name: String,
    #[schema(example = "ada@example.com", format = Email, max_length = 254)]
    pub email: String,
    /// 8 to 128 characters with an upper-case letter, a lower-case letter, a digit
    /// and a symbol. The policy also takes letters and digits outside ASCII; the
    /// documented pattern names the ASCII ones.
    #[schema(
        example = "Analytical-Engine-1",
        min_length = 8,
        max_length = 128,
        pattern = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!-/:-@\[-`{-~])"
    )]
    pub password: String,
    /// `YYYY-MM-DD`, not in the future.
    #[schema(format = Date, example = "1990-12-10")]
    pub birthdate: Option<String>,
    /// USER when absent; any other role needs the bearer token of an ADMIN or
    /// SUPER_ADMIN (at least as privileged as the role granted), else 403.
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<Role>,
}

impl RegisterBody {
    pub fn into_proto(self, caller_token: Option<String>) -> auth_pb::RegisterRequest {
        auth_pb::RegisterRequest {
            name: self.name,
            email: self.email,
            password: self.password,
            birthdate: self.birthdate,
            role: self
                .role
                .map_or(common_pb::Role::Unspecified, common_pb::Role::from)
                .into(),
            caller_token,
        }
    }
}

/// `POST /auth/login`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LoginBody {
    #[schema(example = "ada@example.com", min_length = 1, pattern = r"\S")]
    pub email: String,
    #[schema(example = "Analytical-Engine-1", min_length = 1)]
    pub password: String,
}

/// A signed-in session.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    /// Send it as `Authorization: Bearer <accessToken>`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: u64,
    pub user: User,
}

impl TryFrom<auth_pb::LoginResponse> for LoginResponse {
    type Error = ApiError;
    fn try_from(response: auth_pb::LoginResponse) -> Result<Self, ApiError> {
        let user = response.user.ok_or_else(|| {
            tracing::error!("auth answered a login without its account");
            ApiError::Internal
        })?;
        Ok(Self {
            access_token: response.access_token,
            token_type: response.token_type,
            expires_in: response.expires_in_seconds,
            user: User::try_from(user)?,
        })
    }
}

/// `PATCH /users/{id}`: absent fields stay as they are. `role` and `isActive` are for
/// SUPER_ADMIN only.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUserBody {
    /// 1 to 150 characters, not only spaces.
    #[schema(min_length = 1, max_length = 150, pattern = r"\S")]
    pub name: Option<String>,
    #[schema(format = Email, max_length = 254)]
    pub email: Option<String>,
    /// As at registration.
    #[schema(
        min_length = 8,
        max_length = 128,
        pattern = r"^(?=.*[A-Z])(?=.*[a-z])(?=.*[0-9])(?=.*[!-/:-@\[-`{-~])"
    )]
    pub password: Option<String>,
    /// `YYYY-MM-DD`, not in the future; an empty string clears it.
    #[schema(pattern = r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", example = "1990-12-10")]
    pub birthdate: Option<String>,
    pub is_active: Option<bool>,
    #[schema(value_type = Option<RoleName>)]
    pub role: Option<Role>,
}

impl UpdateUserBody {
    /// Whether the change touches what only a SUPER_ADMIN may change.
    pub fn is_privileged(&self) -> bool {
        self.role.is_some() || self.is_active.is_some()
    }

    pub fn into_proto(self, id: String) -> pb::UpdateUserRequest {
        pb::UpdateUserRequest {
            id,
            name: self.name,
            email: self.email,
            password: self.password,
            birthdate: self.birthdate,
            is_active: self.is_active,
            role: self.role.map(|role| common_pb::Role::from(role).into()),
        }
    }
}
