//! Verifying access tokens: the one place that decides what a valid token is.
//!
//! auth signs tokens (it alone holds the private key) and verifies caller tokens with
//! [`TokenVerifier`]; the gateway verifies every request's bearer token with the same
//! verifier built from auth's public key, without a round trip to auth.
//!
//! A valid token is an EdDSA JWT signed by auth's key, issued by [`ISSUER`], carrying
//! `exp`, `sub` and `iss`, and unexpired (with [`LEEWAY_SECONDS`] of clock skew).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::Claims;

/// The `iss` of every token.
pub const ISSUER: &str = "rustshop";
/// The one algorithm tokens are signed and accepted with.
pub const ALGORITHM: Algorithm = Algorithm::EdDSA;
/// Clock skew tolerated on `exp` between the machines that issue and verify.
pub const LEEWAY_SECONDS: u64 = 5;

/// What a token carries: the shared claims and the issuer. auth signs exactly this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenClaims {
    #[serde(flatten)]
    pub claims: Claims,
    pub iss: String,
}

impl TokenClaims {
    /// `claims` issued by rustshop.
    pub fn new(claims: Claims) -> Self {
        Self {
            claims,
            iss: ISSUER.to_owned(),
        }
    }
}

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid(#[source] jsonwebtoken::errors::Error),
}

/// Why a public key could not be used.
#[derive(Debug, thiserror::Error)]
#[error("not an Ed25519 public key PEM (`-----BEGIN PUBLIC KEY-----`)")]
pub struct KeyError(#[source] jsonwebtoken::errors::Error);

/// Checks tokens against one public key. Cheap to share behind an `Arc`; verifying
/// does no I/O.
#[derive(Clone)]
pub struct TokenVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").finish_non_exhaustive()
    }
}

impl TokenVerifier {
    /// A verifier for tokens signed by the private half of `key`.
    pub fn new(key: DecodingKey) -> Self {
        // Only EdDSA: this refuses `alg: none` and HS256 signed with the public key
        // as the secret before any signature is looked at.
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        Self { key, validation }
    }

    /// A verifier from auth's public key as SPKI PEM (`JWT_PUBLIC_KEY`, or auth's
    /// `GetPublicKey`). Escaped newlines (`\n` on one line, as in `.env` files) are
    /// accepted.
    pub fn from_public_pem(pem: &str) -> Result<Self, KeyError> {
        let pem = if pem.contains('\n') {
            pem.trim().to_owned()
        } else {
            pem.trim().replace("\\n", "\n")
        };
        DecodingKey::from_ed_pem(pem.as_bytes())
            .map(Self::new)
            .map_err(KeyError)
    }

    /// The claims of a token signed by our key, unexpired and issued by rustshop.
    pub fn verify(&self, token: &str) -> Result<Claims, VerifyError> {
        jsonwebtoken::decode::<TokenClaims>(token.trim(), &self.key, &self.validation)
            .map(|data| data.claims.claims)
            .map_err(|error| match error.kind() {
                ErrorKind::ExpiredSignature => VerifyError::Expired,
                _ => VerifyError::Invalid(error),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A throwaway Ed25519 key pair (openssl genpkey -algorithm ed25519), for tests only.
    const PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA7mjXRuZnfy7Whryz8Tf8Ca200JTE9D/a1A0ii195Og\n-----END PRIVATE KEY-----\n";
    const PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAkZCncEM6PuwN3uvFD8CZfWuyG9EDVMYeqRset8FSLp0=\n-----END PUBLIC KEY-----\n";

    fn claims(exp_from_now: i64) -> Claims {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        Claims {
            sub: "u-1".into(),
            email: "ada@example.com".into(),
            role: crate::auth::Role::User,
            iat: now,
            exp: now + exp_from_now,
        }
    }

    fn sign(header: &jsonwebtoken::Header, body: &impl Serialize) -> String {
        let key = jsonwebtoken::EncodingKey::from_ed_pem(PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(header, body, &key).unwrap()
    }

    fn verifier() -> TokenVerifier {
        TokenVerifier::from_public_pem(PUBLIC_PEM).unwrap()
    }

    #[test]
    fn a_token_of_ours_verifies_with_its_claims() {
        let claims = claims(60);
        let token = sign(
            &jsonwebtoken::Header::new(ALGORITHM),
            &TokenClaims::new(claims.clone()),
        );
        assert_eq!(verifier().verify(&token).unwrap(), claims);
    }

    #[test]
    fn an_expired_token_is_expired_beyond_the_leeway() {
        let token = sign(
            &jsonwebtoken::Header::new(ALGORITHM),
            &TokenClaims::new(claims(-60)),
        );
        assert!(matches!(
            verifier().verify(&token),
            Err(VerifyError::Expired)
        ));
    }

    #[test]
    fn another_issuer_is_refused() {
        let body = TokenClaims {
            claims: claims(60),
            iss: "someone-else".into(),
        };
        let token = sign(&jsonwebtoken::Header::new(ALGORITHM), &body);
        assert!(matches!(
            verifier().verify(&token),
            Err(VerifyError::Invalid(_))
        ));
    }

    #[test]
    fn hs256_keyed_with_the_public_key_is_refused() {
        let key = jsonwebtoken::EncodingKey::from_secret(PUBLIC_PEM.as_bytes());
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(Algorithm::HS256),
            &TokenClaims::new(claims(60)),
            &key,
        )
        .unwrap();
        assert!(matches!(
            verifier().verify(&token),
            Err(VerifyError::Invalid(_))
        ));
    }

    #[test]
    fn one_line_pem_with_escaped_newlines_is_accepted() {
        let one_line = PUBLIC_PEM.replace('\n', "\\n");
        assert!(TokenVerifier::from_public_pem(&one_line).is_ok());
        assert!(TokenVerifier::from_public_pem("not a key").is_err());
    }
}
