//! Access tokens: EdDSA-signed JWTs carrying [`Claims`] and the issuer.
//!
//! Signing lives here (auth alone holds the private key); what a valid token is lives
//! in [`shop_common::jwt`], shared with the gateway.

use std::time::Duration;

use jsonwebtoken::Header;
use shop_common::auth::{Claims, Role};
use shop_common::jwt::{TokenClaims, TokenVerifier, VerifyError};
use time::OffsetDateTime;

pub use shop_common::jwt::{ALGORITHM, ISSUER};

use crate::keys::SigningKeys;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is invalid")]
    Invalid(#[source] jsonwebtoken::errors::Error),
    #[error("cannot sign the token")]
    Sign(#[source] jsonwebtoken::errors::Error),
}

impl From<VerifyError> for TokenError {
    fn from(error: VerifyError) -> Self {
        match error {
            VerifyError::Expired => TokenError::Expired,
            VerifyError::Invalid(cause) => TokenError::Invalid(cause),
        }
    }
}

/// A freshly signed token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub claims: Claims,
    pub expires_in: Duration,
}

/// Signs and verifies access tokens with one key pair.
#[derive(Debug, Clone)]
pub struct Tokens {
    keys: SigningKeys,
    ttl: Duration,
    verifier: TokenVerifier,
}

impl Tokens {
    pub fn new(keys: SigningKeys, ttl: Duration) -> Self {
        let verifier = TokenVerifier::new(keys.decoding.clone());
        Self {
            keys,
            ttl,
            verifier,
        }
    }

    pub fn keys(&self) -> &SigningKeys {
        &self.keys
    }

    /// A token for this account, valid for the configured lifetime.
    pub fn issue(&self, user_id: &str, email: &str, role: Role) -> Result<IssuedToken, TokenError> {
        let now = OffsetDateTime::now_utc().unix_timestamp();
        let ttl_seconds = i64::try_from(self.ttl.as_secs()).unwrap_or(i64::MAX);
        let claims = Claims {
            sub: user_id.to_owned(),
            email: email.to_owned(),
            role,
            iat: now,
            exp: now.saturating_add(ttl_seconds),
        };
        let mut header = Header::new(ALGORITHM);
        header.kid = Some(self.keys.key_id.clone());
        let body = TokenClaims::new(claims.clone());
        let token =
            jsonwebtoken::encode(&header, &body, &self.keys.encoding).map_err(TokenError::Sign)?;
        Ok(IssuedToken {
            token,
            claims,
            expires_in: Duration::from_secs(self.ttl.as_secs()),
        })
    }

    /// The claims of a token signed by our key, unexpired and issued by us.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        Ok(self.verifier.verify(token)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate_private_pem;

    fn tokens() -> Tokens {
        let keys = SigningKeys::from_private_pem(&generate_private_pem().unwrap()).unwrap();
        Tokens::new(keys, Duration::from_secs(3600))
    }

    #[test]
    fn issued_tokens_verify_with_their_claims_and_key_id() {
        let tokens = tokens();
        let issued = tokens
            .issue("u-1", "ada@example.com", Role::Seller)
            .unwrap();
        assert_eq!(issued.claims.exp - issued.claims.iat, 3600);
        assert_eq!(tokens.verify(&issued.token).unwrap(), issued.claims);
        let header = jsonwebtoken::decode_header(&issued.token).unwrap();
        assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA);
        assert_eq!(header.kid.as_deref(), Some(tokens.keys().key_id.as_str()));
    }

    #[test]
    fn another_key_pair_does_not_verify() {
        let issued = tokens()
            .issue("u-1", "ada@example.com", Role::User)
            .unwrap();
        assert!(matches!(
            tokens().verify(&issued.token),
            Err(TokenError::Invalid(_))
        ));
    }
}
