//! Whether the account behind a valid token may still act.
//!
//! Tokens are verified locally, so on its own a token would keep working until it
//! expires after its account was deleted, deactivated or given another role. Before a
//! route that needs a token runs, the gateway therefore asks users about the account,
//! at most once per [`RECHECK_AFTER`] per account (answers are kept that long), and
//! forgets what it knows of an account as soon as it changes or deletes it itself. On
//! other replicas a change takes effect within [`RECHECK_AFTER`].
//!
//! When users cannot answer (down, slow), the token alone decides, as if this check
//! did not exist: a short users outage does not lock everybody out.

use std::time::Duration;

use moka::sync::Cache;
use shop_common::auth::{Actor, Role};
use shop_proto::users::v1::GetUserRequest;
use tonic::Code;
use uuid::Uuid;

use crate::clients::UsersClient;
use crate::error::ApiError;

/// How long an answer of users is trusted.
pub const RECHECK_AFTER: Duration = Duration::from_secs(10);
/// How long a lookup may take before the token alone decides.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);
/// Accounts remembered at most; past that, the answers least likely to be asked for
/// again are dropped first.
const CAPACITY: u64 = 10_000;

/// What users said about an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Active(Role),
    Inactive,
    Gone,
}

/// Recent answers of users, by account, each kept for [`RECHECK_AFTER`].
#[derive(Debug)]
pub struct AccountCheck {
    known: Cache<Uuid, Standing>,
}

impl Default for AccountCheck {
    fn default() -> Self {
        Self::keeping_answers_for(RECHECK_AFTER)
    }
}

impl AccountCheck {
    fn keeping_answers_for(ttl: Duration) -> Self {
        Self {
            known: Cache::builder()
                .time_to_live(ttl)
                .max_capacity(CAPACITY)
                .build(),
        }
    }

    /// Ok when the account of `actor` exists, is active and still has the token's
    /// role; 401 when it was deleted or its role changed (log in again), 403 when it
    /// is disabled.
    pub async fn check(&self, users: &UsersClient, actor: &Actor) -> Result<(), ApiError> {
        let standing = match self.known.get(&actor.user_id) {
            Some(standing) => standing,
            None => match lookup(users, actor.user_id).await {
                Some(standing) => {
                    self.known.insert(actor.user_id, standing);
                    standing
                }
                None => return Ok(()),
            },
        };
        match standing {
            Standing::Active(role) if role == actor.role => Ok(()),
            Standing::Active(_) => Err(ApiError::Unauthenticated(
                "The account's role has changed; log in again".into(),
            )),
            Standing::Inactive => Err(ApiError::Forbidden("This account is disabled".into())),
            Standing::Gone => Err(ApiError::Unauthenticated(
                "The account no longer exists".into(),
            )),
        }
    }

    /// Drops what is known of `user_id` (after changing or deleting it).
    pub fn forget(&self, user_id: &str) {
        if let Ok(id) = user_id.trim().parse::<Uuid>() {
            self.known.invalidate(&id);
        }
    }
}

/// The account as users has it now; `None` when users cannot say.
async fn lookup(users: &UsersClient, user_id: Uuid) -> Option<Standing> {
    let request = GetUserRequest {
        id: user_id.to_string(),
    };
    let mut users = users.clone();
    match tokio::time::timeout(LOOKUP_TIMEOUT, users.get_user(request)).await {
        Ok(Ok(user)) => {
            let user = user.into_inner();
            match Role::try_from(user.role()) {
                Ok(role) if user.is_active => Some(Standing::Active(role)),
                Ok(_) => Some(Standing::Inactive),
                Err(_) => None,
            }
        }
        Ok(Err(status)) if status.code() == Code::NotFound => Some(Standing::Gone),
        Ok(Err(status)) => {
            tracing::warn!(code = ?status.code(), error = %status.message(), "cannot check an account; the token alone decides");
            None
        }
        Err(_) => {
            tracing::warn!("checking an account timed out; the token alone decides");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_remembered_then_forgotten_on_request() {
        let check = AccountCheck::default();
        let id = Uuid::now_v7();
        assert_eq!(check.known.get(&id), None);
        check.known.insert(id, Standing::Inactive);
        assert_eq!(check.known.get(&id), Some(Standing::Inactive));
        check.forget(&format!(" {id} "));
        assert_eq!(check.known.get(&id), None);
        check.forget("not an id");
    }

    #[test]
    fn answers_are_kept_for_the_recheck_period_only() {
        assert_eq!(
            AccountCheck::default().known.policy().time_to_live(),
            Some(RECHECK_AFTER)
        );
        let check = AccountCheck::keeping_answers_for(Duration::from_millis(1));
        let id = Uuid::now_v7();
        check.known.insert(id, Standing::Gone);
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(check.known.get(&id), None);
    }

    #[test]
    fn a_full_cache_does_not_grow() {
        let check = AccountCheck::default();
        for _ in 0..=CAPACITY {
            check.known.insert(Uuid::now_v7(), Standing::Gone);
        }
        // moka applies its bound in its maintenance tasks; run them now.
        check.known.run_pending_tasks();
        assert!(check.known.entry_count() <= CAPACITY);
    }
}
