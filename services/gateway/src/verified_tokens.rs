//! Tokens this gateway verified lately, with their claims. A client sends the same
//! token with each of its requests, and checking an Ed25519 signature (about 50 µs)
//! was the largest CPU cost of an authenticated request; a token seen before costs a
//! lookup instead.
//!
//! Safe because: entries are keyed by the whole token, so only the exact bytes that
//! verified find one; only tokens that verified are kept; an entry is not used past
//! the token's `exp` (with the verifier's leeway), the one claim that changes its
//! verdict over time. What a token cannot say (a deleted or demoted account) is
//! checked after this, per request, by [`crate::accounts`].

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;
use shop_common::auth::Claims;
use shop_common::jwt::{LEEWAY_SECONDS, TokenVerifier, VerifyError};
use time::OffsetDateTime;

/// Tokens kept at most; past that, those least likely to be used again go.
const CAPACITY: u64 = 10_000;
/// A token unused this long is dropped (its client has gone).
const IDLE_FOR: Duration = Duration::from_secs(300);

#[derive(Clone)]
pub struct VerifiedTokens {
    tokens: Cache<Box<str>, Arc<Claims>>,
}

impl std::fmt::Debug for VerifiedTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifiedTokens")
            .field("tokens", &self.tokens.entry_count())
            .finish()
    }
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        Self {
            tokens: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_idle(IDLE_FOR)
                .build(),
        }
    }
}

impl VerifiedTokens {
    /// The claims of `token`, as `verifier` decides (once per token while it is kept).
    pub fn verify(
        &self,
        verifier: &TokenVerifier,
        token: &str,
    ) -> Result<Arc<Claims>, VerifyError> {
        let token = token.trim();
        if let Some(claims) = self.tokens.get(token) {
            if expired(&claims) {
                self.tokens.invalidate(token);
                return Err(VerifyError::Expired);
            }
            return Ok(claims);
        }
        let claims = Arc::new(verifier.verify(token)?);
        self.tokens.insert(token.into(), Arc::clone(&claims));
        Ok(claims)
    }
}

/// As the verifier judges `exp`: expired once `exp` plus the leeway has passed.
fn expired(claims: &Claims) -> bool {
    let leeway = i64::try_from(LEEWAY_SECONDS).unwrap_or(i64::MAX);
    OffsetDateTime::now_utc().unix_timestamp() > claims.exp.saturating_add(leeway)
}

#[cfg(test)]
mod tests {
    use shop_auth::keys::{SigningKeys, generate_private_pem};
    use shop_auth::tokens::Tokens;
    use shop_common::auth::Role;

    use super::*;

    fn tokens() -> (Tokens, TokenVerifier) {
        let keys = SigningKeys::from_private_pem(&generate_private_pem().unwrap()).unwrap();
        let verifier = TokenVerifier::from_public_pem(&keys.public_pem).unwrap();
        (Tokens::new(keys, Duration::from_secs(60)), verifier)
    }

    fn claims(exp_from_now: i64) -> Arc<Claims> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        Arc::new(Claims {
            sub: "u-1".into(),
            email: "ada@example.com".into(),
            role: Role::User,
            iat: now,
            exp: now + exp_from_now,
        })
    }

    #[test]
    fn a_token_verifies_once_then_is_found() {
        let (tokens, verifier) = tokens();
        let issued = tokens.issue("u-1", "ada@example.com", Role::User).unwrap();
        let verified = VerifiedTokens::default();
        let first = verified.verify(&verifier, &issued.token).unwrap();
        assert_eq!(*first, issued.claims);
        let again = verified.verify(&verifier, &issued.token).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "the second use is a lookup");
    }

    #[test]
    fn refused_tokens_are_not_kept_and_kept_ones_expire() {
        let (tokens, verifier) = tokens();
        let (_, other_key) = self::tokens();
        let issued = tokens.issue("u-1", "ada@example.com", Role::User).unwrap();
        let verified = VerifiedTokens::default();
        for _ in 0..2 {
            let refused = verified.verify(&other_key, &issued.token);
            assert!(matches!(refused, Err(VerifyError::Invalid(_))));
        }
        assert_eq!(verified.tokens.get(issued.token.as_str()), None);

        let leeway = i64::try_from(LEEWAY_SECONDS).unwrap();
        verified.tokens.insert("kept".into(), claims(-leeway - 2));
        assert!(matches!(
            verified.verify(&verifier, "kept"),
            Err(VerifyError::Expired)
        ));
        assert_eq!(verified.tokens.get("kept"), None);
        verified.tokens.insert("kept".into(), claims(-leeway + 2));
        assert!(
            verified.verify(&verifier, "kept").is_ok(),
            "within the leeway"
        );
    }
}
