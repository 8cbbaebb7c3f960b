//! Starts the users service in-process against a fresh test database.

#![allow(dead_code)] // each test binary uses its own part of the support

use std::net::{Ipv4Addr, SocketAddr};

use shop_common::password::Argon2Config;
use shop_common::service::{ServerConfig, ServiceKind};
use shop_proto::common::v1 as common_pb;
use shop_proto::users::v1 as pb;
use shop_proto::users::v1::users_service_client::UsersServiceClient;
use shop_testkit::postgres::{TestDatabase, database};
use shop_users::{App, Config, MIGRATOR};
use tokio_util::sync::{CancellationToken, DropGuard};
use tonic::transport::Channel;

pub type Client = UsersServiceClient<Channel>;

/// A running users service; stops when dropped.
pub struct TestUsers {
    pub client: Client,
    pub db: TestDatabase,
    _stop: DropGuard,
}

pub fn loopback() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

pub async fn start() -> TestUsers {
    let db = database(&MIGRATOR).await;
    let config = Config {
        server: ServerConfig {
            service: ServiceKind::Users,
            addr: loopback(),
            metrics_addr: loopback(),
        },
        database_url: db.url.parse().expect("testkit database URL"),
        argon2: Argon2Config::FOR_TESTS,
    };
    let app = App::build(config).await.expect("users service starts");
    let addr = app.local_addr();
    let stop = CancellationToken::new();
    tokio::spawn(app.run(stop.clone()));
    let client = UsersServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("connect to users");
    TestUsers {
        client,
        db,
        _stop: stop.drop_guard(),
    }
}

pub const PASSWORD: &str = "Rustshop-user-1";

/// A valid create request for `email`.
pub fn new_user(name: &str, email: &str) -> pb::CreateUserRequest {
    pb::CreateUserRequest {
        name: name.into(),
        email: email.into(),
        password: PASSWORD.into(),
        birthdate: None,
        role: common_pb::Role::Unspecified.into(),
    }
}

pub async fn create(client: &Client, name: &str, email: &str) -> pb::User {
    client
        .clone()
        .create_user(new_user(name, email))
        .await
        .expect("create user")
        .into_inner()
}
