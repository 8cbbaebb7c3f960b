//! Starts a real users service (on a fresh test database) and auth in-process.

#![allow(dead_code)] // each test binary uses its own part of the support

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use shop_auth::bootstrap::BootstrapStatus;
use shop_auth::keys::{KeySource, generate_private_pem};
use shop_auth::throttle::ThrottlePolicy;
use shop_common::config::HumanDuration;
use shop_common::password::Argon2Config;
use shop_common::service::{ServerConfig, ServiceKind};
use shop_proto::auth::v1 as pb;
use shop_proto::auth::v1::auth_service_client::AuthServiceClient;
use shop_proto::users::v1::users_service_client::UsersServiceClient;
use shop_testkit::eventually;
use shop_testkit::postgres::{TestDatabase, database};
use tokio::sync::watch;
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::transport::Channel;

pub type AuthClient = AuthServiceClient<Channel>;
pub type UsersClient = UsersServiceClient<Channel>;

pub const ADMIN_EMAIL: &str = "admin@rustshop.test";
pub const ADMIN_PASSWORD: &str = "Rustshop-admin-1";
pub const PASSWORD: &str = "Rustshop-user-1";
pub const WAIT: Duration = Duration::from_secs(30);

fn server(service: ServiceKind, addr: SocketAddr) -> ServerConfig {
    ServerConfig {
        service,
        addr,
        metrics_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    }
}

pub fn any_port() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// A running users service; stops when dropped.
pub struct TestUsers {
    pub addr: SocketAddr,
    pub client: UsersClient,
    pub db: TestDatabase,
    _stop: DropGuard,
}

/// Starts users on `addr` (port 0 for any) with a database of its own.
pub async fn start_users_at(addr: SocketAddr) -> TestUsers {
    let db = database(&shop_users::MIGRATOR).await;
    start_users_on(addr, db).await
}

pub async fn start_users() -> TestUsers {
    start_users_at(any_port()).await
}

async fn start_users_on(addr: SocketAddr, db: TestDatabase) -> TestUsers {
    let config = shop_users::Config {
        server: server(ServiceKind::Users, addr),
        database_url: db.url.parse().expect("testkit database URL"),
        argon2: Argon2Config::FOR_TESTS,
    };
    let app = shop_users::App::build(config).await.expect("users starts");
    let addr = app.local_addr();
    let stop = CancellationToken::new();
    tokio::spawn(app.run(stop.clone()));
    let client = UsersServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("users");
    TestUsers {
        addr,
        client,
        db,
        _stop: stop.drop_guard(),
    }
}

/// How to configure auth in a test.
pub struct AuthOptions {
    pub keys: KeySource,
    pub throttle: ThrottlePolicy,
}

impl AuthOptions {
    /// A fresh key pair given as PEM text, and throttling that ordinary tests never trip.
    pub fn new() -> (Self, String) {
        let private_pem = generate_private_pem().expect("generate a key");
        let keys = KeySource::Pem {
            private: private_pem.parse().expect("secret"),
            public: None,
        };
        let throttle = ThrottlePolicy {
            max_failures: 100,
            ..ThrottlePolicy::default()
        };
        (Self { keys, throttle }, private_pem)
    }
}

/// A running auth service; stops when dropped.
pub struct TestAuth {
    pub client: AuthClient,
    pub addr: SocketAddr,
    pub bootstrap: watch::Receiver<BootstrapStatus>,
    stop: CancellationToken,
    _stop: DropGuard,
}

impl TestAuth {
    /// Stops the service (as SIGTERM would).
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// The bootstrap's outcome, once it has one.
    pub async fn bootstrapped(&self) -> BootstrapStatus {
        let mut status = self.bootstrap.clone();
        let done = status.wait_for(|s| *s != BootstrapStatus::Pending);
        tokio::time::timeout(WAIT, done)
            .await
            .expect("bootstrap finishes")
            .expect("auth still running")
            .clone()
    }
}

pub async fn start_auth(users_addr: SocketAddr, options: AuthOptions) -> TestAuth {
    let config = shop_auth::Config {
        server: server(ServiceKind::Auth, any_port()),
        users_url: format!("http://{users_addr}").parse().expect("users URL"),
        token_ttl: HumanDuration(Duration::from_secs(3600)),
        admin_email: ADMIN_EMAIL.into(),
        admin_password: ADMIN_PASSWORD.parse().expect("secret"),
        keys: options.keys,
        throttle: options.throttle,
        argon2: Argon2Config::FOR_TESTS,
    };
    let app = shop_auth::App::build(config).await.expect("auth starts");
    let addr = app.local_addr();
    let bootstrap = app.bootstrap_status();
    let stop = CancellationToken::new();
    tokio::spawn(app.run(stop.clone()));
    let client = AuthServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("auth");
    TestAuth {
        client,
        addr,
        bootstrap,
        stop: stop.clone(),
        _stop: stop.drop_guard(),
    }
}

/// users and auth, with the bootstrap admin created; `private_pem` signs auth's tokens.
pub struct Stack {
    pub users: TestUsers,
    pub auth: TestAuth,
    pub private_pem: String,
}

pub async fn stack() -> Stack {
    let (options, private_pem) = AuthOptions::new();
    stack_with(options, private_pem).await
}

pub async fn stack_with(options: AuthOptions, private_pem: String) -> Stack {
    let users = start_users().await;
    let auth = start_auth(users.addr, options).await;
    auth.bootstrapped().await;
    Stack {
        users,
        auth,
        private_pem,
    }
}

pub fn register_request(email: &str) -> pb::RegisterRequest {
    pb::RegisterRequest {
        name: "Ada".into(),
        email: email.into(),
        password: PASSWORD.into(),
        birthdate: None,
        role: 0,
        caller_token: None,
    }
}

pub async fn register(auth: &AuthClient, email: &str) -> shop_proto::users::v1::User {
    auth.clone()
        .register(register_request(email))
        .await
        .expect("register")
        .into_inner()
}

pub async fn login(
    auth: &AuthClient,
    email: &str,
    password: &str,
) -> Result<pb::LoginResponse, tonic::Status> {
    let request = pb::LoginRequest {
        email: email.into(),
        password: password.into(),
    };
    auth.clone()
        .login(request)
        .await
        .map(tonic::Response::into_inner)
}

pub async fn admin_token(auth: &AuthClient) -> String {
    login(auth, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await
        .expect("admin login")
        .access_token
}

/// Polls `probe` until it answers `Some`, failing after [`WAIT`].
pub async fn wait_for<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    eventually(what, WAIT, probe).await
}
