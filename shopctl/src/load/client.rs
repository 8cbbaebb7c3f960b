//! The HTTP side of the load generator: a keep-alive client of the API, the routes it
//! calls (named by their template, so results group by route rather than by URL), and
//! the reading of the response envelope.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::Semaphore;

use super::stats::Failure;

/// A route of the API, as results are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Endpoint {
    GetProduct,
    ListProducts,
    SearchProducts,
    Login,
    AddToCart,
    Checkout,
    GetOrder,
    Register,
    CreateProduct,
    UpdateProduct,
}

impl Endpoint {
    /// `GET /products/:id`: the method and the route template under the API base.
    pub fn template(self) -> &'static str {
        match self {
            Endpoint::GetProduct => "GET /products/:id",
            Endpoint::ListProducts => "GET /products",
            Endpoint::SearchProducts => "GET /products/search",
            Endpoint::Login => "POST /auth/login",
            Endpoint::AddToCart => "POST /cart/add",
            Endpoint::Checkout => "POST /orders/checkout",
            Endpoint::GetOrder => "GET /orders/:id",
            Endpoint::Register => "POST /auth/register",
            Endpoint::CreateProduct => "POST /products",
            Endpoint::UpdateProduct => "PATCH /products/:id",
        }
    }

    fn method(self) -> Method {
        match self {
            Endpoint::GetProduct
            | Endpoint::ListProducts
            | Endpoint::SearchProducts
            | Endpoint::GetOrder => Method::GET,
            Endpoint::Login
            | Endpoint::Register
            | Endpoint::CreateProduct
            | Endpoint::AddToCart
            | Endpoint::Checkout => Method::POST,
            Endpoint::UpdateProduct => Method::PATCH,
        }
    }
}

/// Where a call goes: a path under the API base (e.g. `/products/0199...`), or a URL
/// parsed beforehand with [`ShopClient::url`] (hot paths: parsing a URL costs more
/// than the rest of building the request).
#[derive(Debug, Clone)]
pub enum Target {
    Path(String),
    Url(reqwest::Url),
}

impl From<String> for Target {
    fn from(path: String) -> Self {
        Target::Path(path)
    }
}

impl From<&str> for Target {
    fn from(path: &str) -> Self {
        Target::Path(path.to_owned())
    }
}

impl From<reqwest::Url> for Target {
    fn from(url: reqwest::Url) -> Self {
        Target::Url(url)
    }
}

/// One request: the route, where it goes (with its ids and query) and what goes with it.
#[derive(Debug)]
pub struct Call<'a> {
    pub endpoint: Endpoint,
    pub target: Target,
    pub token: Option<&'a str>,
    pub body: Option<Value>,
    /// Whether the caller needs the decoded body (otherwise it is read and dropped).
    pub decode: bool,
}

impl<'a> Call<'a> {
    pub fn new(endpoint: Endpoint, target: impl Into<Target>) -> Self {
        Self {
            endpoint,
            target: target.into(),
            token: None,
            body: None,
            decode: false,
        }
    }

    pub fn token(mut self, token: &'a str) -> Self {
        self.token = Some(token);
        self
    }

    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn decoded(mut self) -> Self {
        self.decode = true;
        self
    }
}

/// A successful answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// The body, when the call asked for it to be decoded.
    pub json: Option<Value>,
}

impl Reply {
    /// A string inside the envelope's `data`, e.g. `data_str("/id")`.
    pub fn data_str(&self, pointer: &str) -> Option<&str> {
        self.json
            .as_ref()?
            .pointer(&format!("/data{pointer}"))?
            .as_str()
    }

    /// An RFC 3339 time inside the envelope's `data`, e.g. `data_time("/createdAt")`.
    pub fn data_time(&self, pointer: &str) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(self.data_str(pointer)?, &Rfc3339).ok()
    }
}

/// A keep-alive client of one API base URL.
#[derive(Clone)]
pub struct ShopClient {
    http: reqwest::Client,
    base: String,
    /// With a limit, one slot per connection: a request waits for a free one.
    connections: Option<Arc<Semaphore>>,
}

impl ShopClient {
    /// A client of `base` (e.g. `http://127.0.0.1:3000/api/v1`) keeping up to
    /// `connections` idle connections open.
    pub fn new(base: &str, connections: usize, timeout: Duration) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .pool_idle_timeout(Duration::from_secs(90))
            .http1_only()
            .tcp_nodelay(true)
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            connections: None,
        })
    }

    /// The same client (and pool) sending at most `connections` requests at a time,
    /// so it never opens more connections than that: a request that finds them all
    /// busy waits for one. Without it, an open loop answers a stall of the server
    /// by opening a connection for every request it is still sending, which costs
    /// the server more than the requests (hundreds of handshakes and connection tasks)
    /// and turns a stall of milliseconds into one of a hundred.
    pub fn limited_to(&self, connections: usize) -> Self {
        Self {
            connections: Some(Arc::new(Semaphore::new(connections))),
            ..self.clone()
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// The URL of `path` under the API base (none if the base is not a URL).
    pub fn url(&self, path: &str) -> Option<reqwest::Url> {
        reqwest::Url::parse(&format!("{}{path}", self.base)).ok()
    }

    /// `path` as a [`Target`], parsed now when it can be.
    pub fn target(&self, path: String) -> Target {
        self.url(&path).map_or(Target::Path(path), Target::Url)
    }

    /// Sends the call and reads the whole answer. Any non-2xx status is a failure; a
    /// body that was asked for and is not JSON is one too.
    pub async fn send(&self, call: Call<'_>) -> Result<Reply, Failure> {
        let _connection = match &self.connections {
            Some(slots) => Some(slots.acquire().await.map_err(|_| Failure::Transport)?),
            None => None,
        };
        let url = match call.target {
            Target::Url(url) => url,
            Target::Path(path) => self.url(&path).ok_or(Failure::Transport)?,
        };
        let mut request = self.http.request(call.endpoint.method(), url);
        if let Some(token) = call.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = &call.body {
            request = request.json(body);
        }
        let response = request.send().await.map_err(|e| transport_failure(&e))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| transport_failure(&e))?;
        if !status.is_success() {
            return Err(Failure::Status(status.as_u16()));
        }
        let json = if call.decode {
            Some(serde_json::from_slice(&body).map_err(|_| Failure::Transport)?)
        } else {
            None
        };
        Ok(Reply {
            status: status.as_u16(),
            json,
        })
    }

    /// `GET <path>` and the body's length: for sizing the ceiling's answer.
    pub async fn body_len(&self, path: &str) -> Result<usize, Failure> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| transport_failure(&e))?;
        if !response.status().is_success() {
            return Err(Failure::Status(response.status().as_u16()));
        }
        let body = response.bytes().await.map_err(|e| transport_failure(&e))?;
        Ok(body.len())
    }
}

fn transport_failure(error: &reqwest::Error) -> Failure {
    if error.is_timeout() {
        Failure::Timeout
    } else if error.is_connect() {
        Failure::Connect
    } else {
        Failure::Transport
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::State;
    use axum::routing::get;

    use super::*;

    /// Requests being answered now, and the most at once.
    #[derive(Default)]
    struct Concurrency {
        now: AtomicUsize,
        peak: AtomicUsize,
    }

    async fn slow(State(seen): State<Arc<Concurrency>>) -> &'static str {
        let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
        seen.peak.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen.now.fetch_sub(1, Ordering::SeqCst);
        "{}"
    }

    /// A server whose one route answers after 50 ms, and what it saw.
    async fn slow_server() -> (String, Arc<Concurrency>) {
        let seen = Arc::new(Concurrency::default());
        let app = Router::new()
            .route("/api/v1/products", get(slow))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let base = format!("http://{}/api/v1", listener.local_addr().expect("bound"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        (base, seen)
    }

    async fn send_at_once(client: &ShopClient, requests: usize) {
        let calls = (0..requests).map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .send(Call::new(Endpoint::ListProducts, "/products"))
                    .await
            })
        });
        for call in futures::future::join_all(calls).await {
            assert!(call.expect("no panic").is_ok());
        }
    }

    #[tokio::test]
    async fn a_limited_client_sends_no_more_requests_at_once_than_its_connections() {
        let (base, seen) = slow_server().await;
        let client = ShopClient::new(&base, 64, Duration::from_secs(10)).expect("a client");
        send_at_once(&client.limited_to(4), 20).await;
        // At most 4, and more than one: the limit is the one asked for, not a queue.
        let peak = seen.peak.load(Ordering::SeqCst);
        assert!((2..=4).contains(&peak), "{peak} at once");
    }

    #[tokio::test]
    async fn an_unlimited_client_sends_every_request_at_once() {
        let (base, seen) = slow_server().await;
        let client = ShopClient::new(&base, 64, Duration::from_secs(10)).expect("a client");
        send_at_once(&client, 20).await;
        assert!(seen.peak.load(Ordering::SeqCst) > 4);
    }

    #[test]
    fn data_fields_are_read_inside_the_envelope() {
        let reply = Reply {
            status: 201,
            json: Some(serde_json::json!({
                "success": true, "statusCode": 201,
                "data": {"id": "o-1", "user": {"id": "u-1"}}
            })),
        };
        assert_eq!(reply.data_str("/id"), Some("o-1"));
        assert_eq!(reply.data_str("/user/id"), Some("u-1"));
        assert_eq!(reply.data_str("/missing"), None);
    }

    #[test]
    fn data_times_are_read_as_rfc3339() {
        let reply = Reply {
            status: 200,
            json: Some(serde_json::json!({
                "data": {
                    "createdAt": "2026-11-24T21:00:00.123456Z",
                    "confirmedAt": null,
                    "status": "pending"
                }
            })),
        };
        let created = reply.data_time("/createdAt").expect("a time");
        assert_eq!(created.unix_timestamp(), 1_795_554_000);
        assert_eq!(created.microsecond(), 123_456);
        assert_eq!(reply.data_time("/confirmedAt"), None);
        assert_eq!(reply.data_time("/status"), None);
    }

    #[test]
    fn templates_name_the_route_not_the_url() {
        assert_eq!(Endpoint::GetProduct.template(), "GET /products/:id");
        assert_eq!(Endpoint::Checkout.template(), "POST /orders/checkout");
    }
}
