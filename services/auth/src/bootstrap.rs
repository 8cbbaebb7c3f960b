//! The bootstrap admin: at start, make sure the configured SUPER_ADMIN exists.
//!
//! This is how the first admin comes to be (public registration never grants a
//! privileged role). It runs in the background, retrying with backoff while users is
//! unreachable (users may start after auth). Meanwhile auth's port answers, but its
//! health reports NOT_SERVING: it is not ready until the admin can log in.
//! An existing account is left as it is: its password and role are not reset.

use std::time::Duration;

use shop_common::backoff::Backoff;
use shop_common::config::Secret;
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as users_pb;
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::UsersClient;

/// The account to make sure of (`SHOP_ADMIN_EMAIL`, `SHOP_ADMIN_PASSWORD`).
#[derive(Debug, Clone)]
pub struct AdminAccount {
    pub email: String,
    pub password: Secret,
}

/// Where the bootstrap stands; watched by tests and logged by the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BootstrapStatus {
    Pending,
    /// This start created the admin.
    Created {
        user_id: String,
    },
    /// The admin existed already (made by an earlier start or another replica).
    AlreadyPresent {
        user_id: String,
    },
    /// users refused the account (invalid e-mail): fix the configuration.
    Failed {
        reason: String,
    },
}

/// What one attempt found out.
enum Step {
    Done(BootstrapStatus),
    /// Try again after a pause: users is unreachable or another replica raced us.
    Retry,
}

/// Makes sure the admin exists, retrying until it does, users refuses it, or
/// `shutdown` is cancelled. Progress is published on `status`.
pub async fn ensure_admin(
    users: UsersClient,
    admin: AdminAccount,
    status: watch::Sender<BootstrapStatus>,
    shutdown: CancellationToken,
) {
    // users usually starts alongside auth and is up within a few tens of ms: retrying
    // soon keeps auth's readiness (which waits for this) close to users' own.
    let mut backoff = Backoff::new(Duration::from_millis(20), Duration::from_secs(2));
    let mut attempt: u32 = 0;
    loop {
        attempt += 1;
        if let Step::Done(outcome) = try_once(&users, &admin, attempt).await {
            log(&outcome);
            status.send_replace(outcome);
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(backoff.next_delay()) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

async fn try_once(users: &UsersClient, admin: &AdminAccount, attempt: u32) -> Step {
    let lookup = users_pb::GetUserCredentialsRequest {
        email: admin.email.clone(),
    };
    match users.clone().get_user_credentials(lookup).await {
        Ok(found) => {
            let user = found.into_inner().user.unwrap_or_default();
            warn_if_not_usable(&user);
            return Step::Done(BootstrapStatus::AlreadyPresent { user_id: user.id });
        }
        Err(status) if status.code() == tonic::Code::NotFound => {}
        Err(status) => return retry(attempt, &status),
    }
    let create = users_pb::CreateUserRequest {
        name: "Administrator".into(),
        email: admin.email.clone(),
        password: admin.password.expose().to_owned(),
        birthdate: None,
        role: common_pb::Role::SuperAdmin.into(),
    };
    match users.clone().create_user(create).await {
        Ok(user) => Step::Done(BootstrapStatus::Created {
            user_id: user.into_inner().id,
        }),
        // Another replica created it a moment ago: look it up on the next turn.
        Err(status) if status.code() == tonic::Code::AlreadyExists => Step::Retry,
        Err(status) if status.code() == tonic::Code::InvalidArgument => {
            Step::Done(BootstrapStatus::Failed {
                reason: format!(
                    "users refused SHOP_ADMIN_EMAIL / SHOP_ADMIN_PASSWORD: {}",
                    status.message()
                ),
            })
        }
        Err(status) => retry(attempt, &status),
    }
}

fn retry(attempt: u32, status: &tonic::Status) -> Step {
    tracing::warn!(
        attempt,
        code = ?status.code(),
        error = %status.message(),
        "cannot reach users to check the bootstrap admin yet; retrying"
    );
    Step::Retry
}

fn warn_if_not_usable(user: &users_pb::User) {
    if user.role() != common_pb::Role::SuperAdmin || !user.is_active {
        tracing::warn!(
            user_id = %user.id,
            role = ?user.role(),
            is_active = user.is_active,
            "the bootstrap admin account exists but is not an active SUPER_ADMIN; left as it is"
        );
    }
}

/// Logs the outcome; never the password.
fn log(outcome: &BootstrapStatus) {
    match outcome {
        BootstrapStatus::Created { user_id } => {
            tracing::info!(%user_id, "created the bootstrap SUPER_ADMIN");
        }
        BootstrapStatus::AlreadyPresent { user_id } => {
            tracing::info!(%user_id, "the bootstrap admin already exists");
        }
        BootstrapStatus::Failed { reason } => {
            tracing::error!(%reason, "could not create the bootstrap admin");
        }
        BootstrapStatus::Pending => {}
    }
}
