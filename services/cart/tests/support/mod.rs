//! Starts the cart service in-process on port 0 against a MongoDB database of the
//! test's own, and hands back a connected gRPC client.

#![allow(dead_code)] // each test file uses its own part of the support

use std::net::{Ipv4Addr, SocketAddr};

use shop_cart::{App, Config};
use shop_common::service::{ServerConfig, ServiceKind};
use shop_proto::cart::v1 as pb;
use shop_proto::cart::v1::cart_service_client::CartServiceClient;
use shop_testkit::mongo::TestMongo;
use tokio_util::sync::CancellationToken;
use tonic::transport::Channel;

pub type Client = CartServiceClient<Channel>;

/// A running cart service; stops when dropped.
pub struct TestCart {
    pub client: Client,
    pub mongo: TestMongo,
    shutdown: CancellationToken,
}

impl Drop for TestCart {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// The service's configuration for `mongo`'s database, on free ports.
pub fn config(mongo: &TestMongo, ttl: &str) -> Config {
    let any_port = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
    Config {
        server: ServerConfig {
            service: ServiceKind::Cart,
            addr: any_port,
            metrics_addr: any_port,
        },
        mongodb_uri: mongo.uri.parse().expect("MONGODB_URI is a mongodb:// URL"),
        mongodb_database: mongo.database.clone(),
        cart_ttl: ttl.parse().expect("a valid duration"),
    }
}

/// The service on a fresh database, carts expiring after 30 days.
pub async fn start() -> TestCart {
    start_on(shop_testkit::mongo::mongo().await, "30d").await
}

/// The service on `mongo`'s database with `CART_TTL=ttl`.
pub async fn start_on(mongo: TestMongo, ttl: &str) -> TestCart {
    let (client, shutdown) = spawn(&mongo, ttl).await;
    TestCart {
        client,
        mongo,
        shutdown,
    }
}

/// Starts one replica of the service on `mongo`'s database; it runs until the token
/// is cancelled.
async fn spawn(mongo: &TestMongo, ttl: &str) -> (Client, CancellationToken) {
    let app = App::build(config(mongo, ttl))
        .await
        .expect("the cart service starts");
    let addr = app.local_addr();
    let shutdown = CancellationToken::new();
    tokio::spawn(app.run(shutdown.clone()));
    let client = CartServiceClient::connect(format!("http://{addr}"))
        .await
        .expect("the cart service accepts connections");
    (client, shutdown)
}

/// A second replica of `cart`'s service, on the same database; stops when dropped.
pub struct Replica {
    pub client: Client,
    shutdown: CancellationToken,
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

pub async fn replica_of(cart: &TestCart) -> Replica {
    let (client, shutdown) = spawn(&cart.mongo, "30d").await;
    Replica { client, shutdown }
}

/// A fresh id (users and products are UUIDs).
pub fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn add_request(
    user: &str,
    product: &str,
    name: &str,
    cents: i64,
    quantity: u32,
) -> pb::AddItemRequest {
    pb::AddItemRequest {
        user_id: user.to_owned(),
        product_id: product.to_owned(),
        name: name.to_owned(),
        price: Some(shop_proto::common::v1::Money { cents }),
        quantity,
    }
}

pub async fn add(
    client: &mut Client,
    user: &str,
    product: &str,
    cents: i64,
    quantity: u32,
) -> Result<pb::Cart, tonic::Status> {
    let request = add_request(user, product, "Product", cents, quantity);
    client
        .add_item(request)
        .await
        .map(tonic::Response::into_inner)
}

pub async fn get(client: &mut Client, user: &str) -> pb::Cart {
    let request = pb::GetCartRequest {
        user_id: user.to_owned(),
    };
    client
        .get_cart(request)
        .await
        .expect("GetCart")
        .into_inner()
}

pub async fn set_quantity(
    client: &mut Client,
    user: &str,
    product: &str,
    quantity: u32,
) -> Result<pb::Cart, tonic::Status> {
    let request = pb::SetQuantityRequest {
        user_id: user.to_owned(),
        product_id: product.to_owned(),
        quantity,
    };
    client
        .set_quantity(request)
        .await
        .map(tonic::Response::into_inner)
}

pub async fn remove(
    client: &mut Client,
    user: &str,
    product: &str,
) -> Result<pb::Cart, tonic::Status> {
    let request = pb::RemoveItemRequest {
        user_id: user.to_owned(),
        product_id: product.to_owned(),
    };
    client
        .remove_item(request)
        .await
        .map(tonic::Response::into_inner)
}

pub async fn clear(client: &mut Client, user: &str) -> pb::Cart {
    let request = pb::ClearCartRequest {
        user_id: user.to_owned(),
    };
    client
        .clear_cart(request)
        .await
        .expect("ClearCart")
        .into_inner()
}

/// `(product id, quantity)` of each line, in cart order.
pub fn lines(cart: &pb::Cart) -> Vec<(String, u32)> {
    cart.items
        .iter()
        .map(|item| (item.product_id.clone(), item.quantity))
        .collect()
}

pub fn total_cents(cart: &pb::Cart) -> i64 {
    cart.total_price.expect("every cart has a total").cents
}
