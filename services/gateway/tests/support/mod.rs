//! The gateway in front of the real services, all in-process on port 0, and an HTTP
//! client to talk to it as any client would.

#![allow(dead_code)] // each test file uses its own part of the support

pub mod services;

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shop_auth::keys::{SigningKeys, generate_private_pem};
use shop_auth::throttle::ThrottlePolicy;
use shop_common::jwt::TokenVerifier;
use shop_common::service::ServiceKind;
use shop_gateway::config::{ByteSize, CorsOrigins, Upstreams};
use shop_testkit::eventually;

pub use services::{ADMIN_EMAIL, ADMIN_PASSWORD};
use services::{Services, dead_url, server};

pub const PASSWORD: &str = "Rustshop-user-1";
/// How long an effect may take on a loaded machine.
pub const WAIT: Duration = Duration::from_secs(60);

/// Which services run behind the gateway; the others are down.
pub struct Options {
    pub catalog: bool,
    pub cart: bool,
    pub orders: bool,
    /// The stock service, which moves orders to confirmed.
    pub stock: bool,
    /// Give the gateway `JWT_PUBLIC_KEY` instead of letting it ask auth.
    pub static_key: bool,
    /// Run auth at all (when not, the gateway cannot learn the key).
    pub auth: bool,
    pub throttle: ThrottlePolicy,
    pub body_limit: usize,
    pub cors_origins: CorsOrigins,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            catalog: false,
            cart: false,
            orders: false,
            stock: false,
            static_key: false,
            auth: true,
            throttle: ThrottlePolicy {
                max_failures: 100,
                ..ThrottlePolicy::default()
            },
            body_limit: 1024 * 1024,
            cors_origins: CorsOrigins::Any,
        }
    }
}

impl Options {
    /// users, auth, products, cart, orders and stock.
    pub fn everything() -> Self {
        Self {
            catalog: true,
            cart: true,
            orders: true,
            stock: true,
            ..Self::default()
        }
    }
}

/// A gateway and what runs behind it; everything stops when dropped.
pub struct Stack {
    pub base: String,
    pub http: reqwest::Client,
    _services: Services,
}

/// A response: status, headers and the JSON body (`Null` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// Asserts the status, showing the body when it differs.
    pub fn expect(self, status: u16) -> Self {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        self
    }
}

/// A signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub token: String,
}

impl Stack {
    pub async fn start(options: Options) -> Self {
        let mut services = Services::default();
        let private_pem = generate_private_pem().expect("a key");
        let users = services.users().await;
        let auth = if options.auth {
            services.auth(&users, &private_pem, options.throttle).await
        } else {
            dead_url()
        };
        let products = if options.catalog {
            services.products().await
        } else {
            dead_url()
        };
        let cart = if options.cart {
            services.cart().await
        } else {
            dead_url()
        };
        let orders = if options.orders {
            services.orders(&products, options.stock).await
        } else {
            dead_url()
        };
        let public_key = SigningKeys::from_private_pem(&private_pem)
            .expect("the key")
            .public_pem;
        let config = shop_gateway::Config {
            server: server(ServiceKind::Gateway),
            upstreams: Upstreams {
                auth: auth.parse().expect("a URL"),
                users: users.parse().expect("a URL"),
                products: products.parse().expect("a URL"),
                cart: cart.parse().expect("a URL"),
                orders: orders.parse().expect("a URL"),
            },
            jwt_public_key: options
                .static_key
                .then(|| TokenVerifier::from_public_pem(&public_key).expect("a public key")),
            cors_origins: options.cors_origins,
            body_limit: ByteSize(options.body_limit),
            request_timeout: Duration::from_secs(20),
            // More than one, whatever the machine: requests cross workers.
            http_threads: std::num::NonZeroUsize::new(2).expect("not zero"),
        };
        let app = shop_gateway::App::build(config)
            .await
            .expect("the gateway starts");
        let base = format!("http://{}", app.local_addr());
        services.gateway(app);
        let stack = Self {
            base,
            http: reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("a client"),
            _services: services,
        };
        if options.auth {
            stack.wait_for_key().await;
        }
        stack
    }

    /// Waits until the gateway knows auth's key (it asks auth in the background).
    async fn wait_for_key(&self) {
        eventually("the gateway to load the token key", WAIT, || async {
            let reply = self.get("/api/v1/auth/me", Some("not-a-token")).await;
            (reply.status != StatusCode::SERVICE_UNAVAILABLE).then_some(())
        })
        .await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("the gateway answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("a body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.send(request).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PATCH, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Reply {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::DELETE, path, token, None).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Reply {
        let body = json!({"email": email, "password": password});
        self.post("/api/v1/auth/login", None, body).await
    }

    /// The bootstrap SUPER_ADMIN.
    pub async fn root(&self) -> Account {
        let reply = self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await.expect(200);
        account(&reply)
    }

    /// A new account with `role` (registered by the SUPER_ADMIN), signed in.
    pub async fn account(&self, role: &str) -> Account {
        let root = self.root().await;
        let email = format!("{}@example.com", uuid::Uuid::new_v4().simple());
        let body = json!({"name": "Test User", "email": email, "password": PASSWORD, "role": role});
        self.post("/api/v1/auth/register", Some(&root.token), body)
            .await
            .expect(201);
        account(&self.login(&email, PASSWORD).await.expect(200))
    }

    /// A product with `stock` units at 19.99, created by a new SELLER.
    pub async fn product(&self, stock: i32) -> String {
        let seller = self.account("SELLER").await;
        let body = json!({"name": "Espresso cup", "description": "White porcelain", "price": 19.99, "stock": stock});
        let reply = self
            .post("/api/v1/products", Some(&seller.token), body)
            .await
            .expect(201);
        reply.data()["id"].as_str().expect("an id").to_owned()
    }
}

fn account(login: &Reply) -> Account {
    let data = login.data();
    Account {
        id: data["user"]["id"].as_str().expect("an id").to_owned(),
        email: data["user"]["email"]
            .as_str()
            .expect("an e-mail")
            .to_owned(),
        token: data["accessToken"].as_str().expect("a token").to_owned(),
    }
}

/// Asserts the error envelope: status, path, a message, a timestamp.
pub fn assert_error(reply: &Reply, status: u16, path: &str) {
    assert_eq!(reply.status.as_u16(), status, "{:#}", reply.body);
    let body = &reply.body;
    assert_eq!(body["success"], json!(false), "{body:#}");
    assert_eq!(body["statusCode"], json!(status), "{body:#}");
    assert_eq!(body["path"], json!(path), "{body:#}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body:#}"
    );
    let timestamp = body["timestamp"].as_str().expect("a timestamp");
    assert!(
        time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
            .is_ok(),
        "{timestamp}"
    );
}

/// The `field`s of a 400's `error.fields`.
pub fn error_fields(reply: &Reply) -> Vec<String> {
    reply.body["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply
        .headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
}
