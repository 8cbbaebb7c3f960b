//! `/auth`: register, login, the caller.

use axum::extract::State;
use axum::http::HeaderMap;
use shop_proto::auth::v1 as pb;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::{CurrentUser, bearer_token};
use crate::dto::users::{LoginBody, LoginResponse, RegisterBody, User};
use crate::envelope::{Envelope, ErrorEnvelope};
use crate::error::ApiError;
use crate::json::Json;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(me))
}

/// Create an account.
///
/// Anyone may register a USER. A privileged role needs the bearer token of an ADMIN
/// or SUPER_ADMIN (nobody grants a role above their own).
#[utoipa::path(
    post, path = "/auth/register", tag = "auth",
    request_body = RegisterBody,
    security((), ("bearer" = [])),
    responses(
        (status = 201, description = "The new account", body = Envelope<User>),
        (status = 403, description = "A privileged role without an admin's token", body = ErrorEnvelope),
        (status = 409, description = "The e-mail is already registered", body = ErrorEnvelope),
    )
)]
async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    Json(body): Json<RegisterBody>,
) -> Result<Envelope<User>, ApiError> {
    let caller_token = bearer_token(&headers).map(str::to_owned);
    let user = state
        .clients
        .auth
        .clone()
        .register(body.into_proto(caller_token))
        .await?
        .into_inner();
    Ok(Envelope::created(User::try_from(user)?))
}

/// Sign in: an access token and the account.
///
/// Wrong credentials answer 401 with the same message whether or not the e-mail is
/// known; repeated failures lock the e-mail for a while (429).
#[utoipa::path(
    post, path = "/auth/login", tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in", body = Envelope<LoginResponse>),
        (status = 401, description = "Invalid e-mail or password", body = ErrorEnvelope),
        (status = 403, description = "The account is disabled", body = ErrorEnvelope),
        (status = 429, description = "Too many failed logins for this e-mail", body = ErrorEnvelope),
    )
)]
async fn login(
    State(state): State<AppState>,
    Json(body): Json<LoginBody>,
) -> Result<Envelope<LoginResponse>, ApiError> {
    let request = pb::LoginRequest {
        email: body.email,
        password: body.password,
    };
    let response = state
        .clients
        .auth
        .clone()
        .login(request)
        .await?
        .into_inner();
    Ok(Envelope::ok(LoginResponse::try_from(response)?))
}

/// The caller's account, as it is now.
#[utoipa::path(
    get, path = "/auth/me", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Envelope<User>),
        (status = 403, description = "The account is disabled", body = ErrorEnvelope),
    )
)]
async fn me(
    State(state): State<AppState>,
    _caller: CurrentUser,
    headers: HeaderMap,
) -> Result<Envelope<User>, ApiError> {
    // CurrentUser verified the token; auth checks the account still exists and is active.
    let token = bearer_token(&headers).unwrap_or_default().to_owned();
    let user = state
        .clients
        .auth
        .clone()
        .get_me(pb::GetMeRequest { token })
        .await?
        .into_inner();
    Ok(Envelope::ok(User::try_from(user)?))
}
