//! The bootstrap admin: created once, idempotent across restarts and replicas, and
//! waited for while users is not up yet. The development signing key is kept.

mod support;

use std::os::unix::fs::PermissionsExt;

use shop_auth::bootstrap::BootstrapStatus;
use shop_auth::keys::KeySource;
use shop_proto::auth::v1 as pb;
use shop_proto::common::v1::Role;
use support::{
    ADMIN_EMAIL, ADMIN_PASSWORD, AuthOptions, TestUsers, login, start_auth, start_users,
    start_users_at, wait_for,
};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

async fn admins(users: &TestUsers) -> Vec<String> {
    sqlx::query_scalar("SELECT id::text FROM users WHERE lower(email) = lower($1)")
        .bind(ADMIN_EMAIL)
        .fetch_all(&users.db.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn admin_is_created_once_and_kept_across_restarts() {
    let users = start_users().await;
    let first = start_auth(users.addr, AuthOptions::new().0).await;
    let BootstrapStatus::Created { user_id } = first.bootstrapped().await else {
        panic!("the first start creates the admin");
    };
    let logged_in = login(&first.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap();
    assert_eq!(logged_in.user.unwrap().role(), Role::SuperAdmin);
    first.stop();

    let second = start_auth(users.addr, AuthOptions::new().0).await;
    assert_eq!(
        second.bootstrapped().await,
        BootstrapStatus::AlreadyPresent {
            user_id: user_id.clone()
        }
    );
    assert_eq!(admins(&users).await, [user_id]);
}

#[tokio::test]
async fn replicas_starting_together_create_one_admin() {
    let users = start_users().await;
    let replicas =
        futures::future::join_all((0..3).map(|_| start_auth(users.addr, AuthOptions::new().0)))
            .await;
    let mut ids = Vec::new();
    for replica in &replicas {
        match replica.bootstrapped().await {
            BootstrapStatus::Created { user_id } | BootstrapStatus::AlreadyPresent { user_id } => {
                ids.push(user_id);
            }
            other => panic!("unexpected bootstrap outcome {other:?}"),
        }
    }
    let stored = admins(&users).await;
    assert_eq!(stored.len(), 1);
    assert!(ids.iter().all(|id| *id == stored[0]), "{ids:?}");
}

async fn serving_status(addr: std::net::SocketAddr) -> ServingStatus {
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut health = HealthClient::new(channel);
    let request = HealthCheckRequest {
        service: String::new(),
    };
    health.check(request).await.unwrap().into_inner().status()
}

#[tokio::test]
async fn bootstrap_waits_for_users_while_auth_answers_but_is_not_ready() {
    // A free port for users, which starts only later.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let auth = start_auth(port, AuthOptions::new().0).await;
    let key = auth
        .client
        .clone()
        .get_public_key(pb::GetPublicKeyRequest {})
        .await;
    assert!(key.is_ok(), "auth answers while users is down");
    assert_eq!(*auth.bootstrap.borrow(), BootstrapStatus::Pending);
    // Not ready: the admin could not log in yet.
    assert_eq!(serving_status(auth.addr).await, ServingStatus::NotServing);

    let users = start_users_at(port).await;
    assert!(matches!(
        auth.bootstrapped().await,
        BootstrapStatus::Created { .. }
    ));
    wait_for("auth to report SERVING", || async {
        (serving_status(auth.addr).await == ServingStatus::Serving).then_some(())
    })
    .await;
    assert_eq!(admins(&users).await.len(), 1);
}

#[tokio::test]
async fn generated_key_is_private_and_reused_after_a_restart() {
    let users = start_users().await;
    let state_dir = std::env::temp_dir().join(shop_testkit::unique_name("auth_state"));
    let options = || AuthOptions {
        keys: KeySource::Generated {
            state_dir: state_dir.clone(),
        },
        ..AuthOptions::new().0
    };
    let first = start_auth(users.addr, options()).await;
    first.bootstrapped().await;
    let token = login(&first.client, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .unwrap()
        .access_token;
    let first_key = first
        .client
        .clone()
        .get_public_key(pb::GetPublicKeyRequest {})
        .await
        .unwrap();
    first.stop();

    let file = state_dir.join("auth/jwt-ed25519.pem");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let second = start_auth(users.addr, options()).await;
    let second_key = second
        .client
        .clone()
        .get_public_key(pb::GetPublicKeyRequest {})
        .await
        .unwrap();
    assert_eq!(second_key.get_ref(), first_key.get_ref());
    let request = pb::VerifyTokenRequest { token };
    assert!(second.client.clone().verify_token(request).await.is_ok());
    let _ = std::fs::remove_dir_all(&state_dir);
}
