//! Checking an e-mail and password: throttled, with the same answer and the same
//! hashing work whether the e-mail is unknown or the password wrong.

use shop_common::password::PasswordHasher;
use shop_proto::users::v1 as users_pb;

use crate::UsersClient;
use crate::error::AuthError;
use crate::throttle::LoginThrottle;

/// Checks credentials against the accounts in users.
#[derive(Debug)]
pub struct Authenticator {
    users: UsersClient,
    hasher: PasswordHasher,
    throttle: LoginThrottle,
}

impl Authenticator {
    pub fn new(users: UsersClient, hasher: PasswordHasher, throttle: LoginThrottle) -> Self {
        Self {
            users,
            hasher,
            throttle,
        }
    }

    /// The active account with this e-mail and password.
    pub async fn authenticate(
        &self,
        email: &str,
        password: &str,
    ) -> Result<users_pb::User, AuthError> {
        let attempt = self
            .throttle
            .begin(email)
            .inspect_err(|_| record("throttled"))?;
        let credentials = self.credentials(email).await?;
        let verified = match &credentials {
            Some(found) => self.hasher.verify(password, &found.password_hash).await?,
            None => self.hasher.verify_missing_account(password).await?,
        };
        let user = match credentials.and_then(|found| found.user) {
            Some(user) if verified => user,
            _ => {
                attempt.failed();
                record("invalid_credentials");
                return Err(AuthError::InvalidCredentials);
            }
        };
        attempt.succeeded();
        // Told only to whoever knows the password, so it reveals nothing to a guesser.
        if !user.is_active {
            record("disabled");
            return Err(AuthError::AccountDisabled);
        }
        record("success");
        Ok(user)
    }

    /// The account and its hash, or `None` for an unknown e-mail.
    async fn credentials(
        &self,
        email: &str,
    ) -> Result<Option<users_pb::UserCredentials>, AuthError> {
        let request = users_pb::GetUserCredentialsRequest {
            email: email.to_owned(),
        };
        match self.users.clone().get_user_credentials(request).await {
            Ok(response) => Ok(Some(response.into_inner())),
            Err(status) if status.code() == tonic::Code::NotFound => Ok(None),
            Err(status) => Err(AuthError::Users(status)),
        }
    }
}

/// Counts logins by outcome (`auth_logins_total`).
fn record(outcome: &'static str) {
    metrics::counter!("auth_logins_total", "outcome" => outcome).increment(1);
}
