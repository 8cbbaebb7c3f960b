//! Who is calling: bearer tokens verified in the gateway with auth's public key (no
//! round trip to auth per request; a token's signature is checked once while
//! [`crate::verified_tokens`] keeps it), and the role rules of the routes.
//!
//! A valid token is not enough: [`crate::accounts`] also checks that its account still
//! exists, is active and has the token's role (answers of users kept a few seconds).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use shop_common::auth::{Actor, Role};
use shop_common::backoff::Backoff;
use shop_common::jwt::{TokenVerifier, VerifyError};
use shop_proto::auth::v1::GetPublicKeyRequest;
use shop_proto::common::v1 as common_pb;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::clients::AuthClient;
use crate::error::ApiError;

/// ADMIN or SUPER_ADMIN.
pub const ADMINS: &[Role] = &[Role::Admin, Role::SuperAdmin];
/// Who may create and change products.
pub const CATALOG_EDITORS: &[Role] = &[Role::Admin, Role::SuperAdmin, Role::Seller];
/// Only SUPER_ADMIN.
pub const SUPER_ADMIN: &[Role] = &[Role::SuperAdmin];

/// The key tokens are verified with: set once, from `JWT_PUBLIC_KEY` or from auth.
#[derive(Debug, Clone, Default)]
pub struct KeyStore(Arc<OnceLock<TokenVerifier>>);

impl KeyStore {
    /// A store holding `key` already, or waiting for [`fetch_public_key`].
    pub fn new(key: Option<TokenVerifier>) -> Self {
        let store = Self::default();
        if let Some(key) = key {
            store.set(key);
        }
        store
    }

    /// The verifier, once the key is known.
    pub fn get(&self) -> Option<&TokenVerifier> {
        self.0.get()
    }

    fn set(&self, key: TokenVerifier) {
        // Only the first key counts: a store is filled once.
        let _ = self.0.set(key);
    }
}

/// Asks auth for its public key until it answers (auth may start after the gateway),
/// with backoff, then keeps it. Until then, routes that need a token answer 503.
pub async fn fetch_public_key(auth: AuthClient, keys: KeyStore, shutdown: CancellationToken) {
    let mut backoff = Backoff::new(Duration::from_millis(100), Duration::from_secs(10));
    loop {
        match auth.clone().get_public_key(GetPublicKeyRequest {}).await {
            Ok(response) => {
                let response = response.into_inner();
                match verifier_of(&response.algorithm, &response.public_key_pem) {
                    Ok(verifier) => {
                        keys.set(verifier);
                        tracing::info!(key_id = %response.key_id, "token key loaded from auth");
                        return;
                    }
                    Err(reason) => tracing::error!(%reason, "auth's public key is unusable"),
                }
            }
            Err(status) => {
                tracing::warn!(code = ?status.code(), error = %status.message(), "cannot get the token key from auth yet");
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(backoff.next_delay()) => {}
        }
    }
}

fn verifier_of(algorithm: &str, pem: &str) -> Result<TokenVerifier, String> {
    if algorithm != "EdDSA" {
        return Err(format!("algorithm `{algorithm}`, expected EdDSA"));
    }
    TokenVerifier::from_public_pem(pem).map_err(|e| e.to_string())
}

/// The caller of a route that needs a token: 401 without a valid one, 503 while the
/// key is not known yet.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub actor: Actor,
    /// From the token's claims (orders carry it for notification).
    pub email: String,
}

impl CurrentUser {
    pub fn id(&self) -> String {
        self.actor.user_id.to_string()
    }

    pub fn role(&self) -> Role {
        self.actor.role
    }

    /// The actor the services expect in requests that need authorization.
    pub fn actor(&self) -> common_pb::Actor {
        common_pb::Actor::from(self.actor)
    }

    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.actor.role) {
            return Ok(());
        }
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::Forbidden(
            format!("This needs the role {}", names.join(" or ")).into(),
        ))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer_token(&parts.headers).ok_or_else(|| {
            ApiError::Unauthenticated(
                "Authentication required: send Authorization: Bearer <token>".into(),
            )
        })?;
        let verifier = state.keys.get().ok_or_else(|| {
            ApiError::Unavailable(
                "Token verification is not ready yet (waiting for the auth service); try again shortly"
                    .into(),
            )
        })?;
        let claims = state
            .verified
            .verify(verifier, token)
            .map_err(|error| match error {
                VerifyError::Expired => {
                    ApiError::Unauthenticated("The token has expired; log in again".into())
                }
                VerifyError::Invalid(_) => ApiError::Unauthenticated("The token is invalid".into()),
            })?;
        let user_id = claims
            .sub
            .parse()
            .map_err(|_| ApiError::Unauthenticated("The token is invalid".into()))?;
        let actor = Actor {
            user_id,
            role: claims.role,
        };
        state.accounts.check(&state.clients.users, &actor).await?;
        Ok(CurrentUser {
            actor,
            email: claims.email.clone(),
        })
    }
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(authorization: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(authorization),
        );
        headers
    }

    #[test]
    fn bearer_tokens_are_read_in_any_letter_case() {
        assert_eq!(bearer_token(&headers("Bearer abc.def")), Some("abc.def"));
        assert_eq!(bearer_token(&headers("bearer  abc")), Some("abc"));
        assert_eq!(bearer_token(&headers("Basic abc")), None);
        assert_eq!(bearer_token(&headers("Bearer ")), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    #[test]
    fn roles_outside_the_list_are_forbidden() {
        let user = CurrentUser {
            actor: Actor {
                user_id: uuid::Uuid::now_v7(),
                role: Role::Seller,
            },
            email: "s@example.com".into(),
        };
        assert!(user.require(CATALOG_EDITORS).is_ok());
        let error = user.require(ADMINS).unwrap_err();
        assert_eq!(error.message(), "This needs the role ADMIN or SUPER_ADMIN");
    }

    #[test]
    fn only_eddsa_keys_are_taken() {
        assert!(verifier_of("HS256", "secret").is_err());
        assert!(verifier_of("EdDSA", "not a key").is_err());
    }
}
