//! `/users`: accounts, for administrators and their owners.
//!
//! List: ADMIN, SUPER_ADMIN. Read: those, or the account itself. Change: the owner or
//! a SUPER_ADMIN, and only a SUPER_ADMIN changes `role` or `isActive`. Delete:
//! SUPER_ADMIN.

use axum::extract::State;
use shop_proto::users::v1 as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{ADMINS, CurrentUser, SUPER_ADMIN};
use crate::dto::Deleted;
use crate::dto::users::{UpdateUserBody, User};
use crate::envelope::{Envelope, ErrorEnvelope, Paginated};
use crate::error::ApiError;
use crate::extract::{Path, Query};
use crate::json::Json;
use crate::listing::{PageQuery, sort_fields};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_users))
        .routes(routes!(get_user, update_user, delete_user))
}

/// Whether `id` (as written in the path) is the caller's own.
fn is_self(caller: &CurrentUser, id: &str) -> bool {
    id.parse::<uuid::Uuid>()
        .is_ok_and(|id| id == caller.actor.user_id)
}

sort_fields!(
    /// What accounts are sorted by.
    UserSort { CreatedAt => "created_at", Name => "name", Email => "email" }
    sort: "`created_at` (default, newest first), `name` or `email`.",
    order: "`asc` or `desc` (default: the field's natural order).",
);

/// List accounts.
#[utoipa::path(
    get, path = "/users", tag = "users",
    params(PageQuery<UserSort>),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of accounts", body = Envelope<Paginated<User>>),
        (status = 403, description = "Not an ADMIN or SUPER_ADMIN", body = ErrorEnvelope),
    )
)]
async fn list_users(
    State(state): State<AppState>,
    caller: CurrentUser,
    Query(listing): Query<PageQuery<UserSort>>,
) -> Result<Envelope<Paginated<User>>, ApiError> {
    caller.require(ADMINS)?;
    let request = pb::ListUsersRequest {
        page: Some(listing.to_request()?),
    };
    let response = state
        .clients
        .users
        .clone()
        .list_users(request)
        .await?
        .into_inner();
    let users = response
        .users
        .into_iter()
        .map(User::try_from)
        .collect::<Result<_, _>>()?;
    Ok(Envelope::ok(Paginated::new(users, response.page)))
}

/// One account: an administrator's, or the caller's own.
#[utoipa::path(
    get, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, format = Uuid, description = "The account's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account", body = Envelope<User>),
        (status = 403, description = "Another user's account, and not an administrator", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    )
)]
async fn get_user(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Envelope<User>, ApiError> {
    if !is_self(&caller, &id) {
        caller.require(ADMINS)?;
    }
    let user = state
        .clients
        .users
        .clone()
        .get_user(pb::GetUserRequest { id })
        .await?
        .into_inner();
    Ok(Envelope::ok(User::try_from(user)?))
}

/// Change an account (partial).
#[utoipa::path(
    patch, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, format = Uuid, description = "The account's id")),
    request_body = UpdateUserBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The changed account", body = Envelope<User>),
        (status = 403, description = "Not the owner nor a SUPER_ADMIN, or a role / isActive change by someone else than a SUPER_ADMIN", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
        (status = 409, description = "The new e-mail is taken", body = ErrorEnvelope),
    )
)]
async fn update_user(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
    Json(body): Json<UpdateUserBody>,
) -> Result<Envelope<User>, ApiError> {
    if body.is_privileged() || !is_self(&caller, &id) {
        caller.require(SUPER_ADMIN)?;
    }
    let user = state
        .clients
        .users
        .clone()
        .update_user(body.into_proto(id.clone()))
        .await?
        .into_inner();
    // Its role or standing may have changed: its tokens are checked afresh.
    state.accounts.forget(&id);
    Ok(Envelope::ok(User::try_from(user)?))
}

/// Delete an account.
#[utoipa::path(
    delete, path = "/users/{id}", tag = "users",
    params(("id" = String, Path, format = Uuid, description = "The account's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Deleted", body = Envelope<Deleted>),
        (status = 403, description = "Not a SUPER_ADMIN", body = ErrorEnvelope),
        (status = 404, description = "No such account", body = ErrorEnvelope),
    )
)]
async fn delete_user(
    State(state): State<AppState>,
    caller: CurrentUser,
    Path(id): Path<String>,
) -> Result<Envelope<Deleted>, ApiError> {
    caller.require(SUPER_ADMIN)?;
    state
        .clients
        .users
        .clone()
        .delete_user(pb::DeleteUserRequest { id: id.clone() })
        .await?;
    state.accounts.forget(&id);
    Ok(Envelope::ok(Deleted::new(id)))
}
