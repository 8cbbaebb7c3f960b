//! Starting the platform for end-to-end tests exactly as `shopctl up` does (the same
//! build, processes, ports plan and health wait), beside a developer's own platform.

#![allow(dead_code)] // each test file uses part of it

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use shop_common::service::ServiceKind;
use shopctl::build::{Profile, build_services};
use shopctl::infra::InfraScript;
use shopctl::platform::{Platform, PlatformSpec};
use shopctl::ports::PortPlan;

pub const ADMIN_EMAIL: &str = "admin@e2e.test";
pub const ADMIN_PASSWORD: &str = "E2e-admin-password-1";

/// The service binaries, built once per test binary with the test suite's features.
pub fn bin_dir() -> &'static PathBuf {
    static BIN_DIR: OnceLock<PathBuf> = OnceLock::new();
    BIN_DIR.get_or_init(|| {
        build_services(&shopctl::repo_root(), Profile::TestSuite).expect("the services build")
    })
}

/// The connection variables of the running test servers, plus a bootstrap admin.
pub fn platform_env() -> Vec<(String, String)> {
    let mut env = InfraScript::new(&shopctl::repo_root())
        .env()
        .expect("scripts/infra.sh env runs");
    env.extend([
        ("SHOP_ADMIN_EMAIL".to_owned(), ADMIN_EMAIL.to_owned()),
        ("SHOP_ADMIN_PASSWORD".to_owned(), ADMIN_PASSWORD.to_owned()),
        ("KAFKA_TOPIC_PREFIX".to_owned(), "e2e.".to_owned()),
        // Local state (auth's development key) in the repository's state folder, not in
        // the test's working directory.
        (
            "SHOP_STATE_DIR".to_owned(),
            shopctl::repo_root().join(".shop").display().to_string(),
        ),
        // Cheap hashes: these tests are about behaviour, not password cost.
        ("ARGON2_MEMORY_KIB".to_owned(), "1024".to_owned()),
        ("ARGON2_ITERATIONS".to_owned(), "1".to_owned()),
    ]);
    env
}

/// A running platform on the block of ports from `base` (each test binary its own).
pub struct Running {
    pub platform: Platform,
    pub base_url: String,
}

impl Running {
    pub async fn start(base: u16) -> Self {
        Self::start_with(base, Vec::new()).await
    }

    /// A running platform whose data is its own: fresh PostgreSQL databases, its own
    /// Mongo database and Redis keys, so that whatever a test does to the data (a
    /// fuzzer with an admin's token) reaches no other test, nor a developer's shop.
    pub async fn start_with_own_data(base: u16) -> Self {
        let mut env = Vec::new();
        for variable in [
            "USERS_DATABASE_URL",
            "PRODUCTS_DATABASE_URL",
            "ORDERS_DATABASE_URL",
        ] {
            let database = shop_testkit::postgres::empty_database().await;
            database.pool.close().await;
            env.push((variable.to_owned(), database.url));
        }
        let name = shop_testkit::unique_name("e2e");
        env.push(("MONGODB_DATABASE".to_owned(), name.clone()));
        env.push(("REDIS_KEY_PREFIX".to_owned(), format!("{name}:products:")));
        Self::start_with(base, env).await
    }

    /// A running platform with `env` added to (or overriding) [`platform_env`].
    pub async fn start_with(base: u16, env: Vec<(String, String)>) -> Self {
        let mut all = platform_env();
        for (name, value) in env {
            all.retain(|(existing, _)| *existing != name);
            all.push((name, value));
        }
        let spec = PlatformSpec {
            bin_dir: bin_dir().clone(),
            ports: PortPlan::block(base),
            env: all,
            service_env: Vec::new(),
            echo_logs: false,
        };
        let mut platform = Platform::spawn(&spec).expect("the services start");
        if let Err(error) = platform.wait_healthy(Duration::from_secs(90)).await {
            platform.stop(Duration::from_secs(5)).await;
            panic!("{error}");
        }
        let gateway = spec.ports.port(ServiceKind::Gateway);
        Self {
            platform,
            base_url: format!("http://127.0.0.1:{gateway}/api/v1"),
        }
    }

    pub async fn stop(mut self) {
        for (service, result) in self.platform.stop(Duration::from_secs(20)).await {
            let status = result.expect("the service stops");
            assert!(status.success(), "{service} exited with {status}");
        }
    }
}

/// A JSON client of the gateway: every call returns the status and the body.
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("an HTTP client"),
        }
    }

    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the gateway answers");
        let status = response.status().as_u16();
        let text = response.text().await.expect("a body");
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{path} answered non-JSON: {text}"));
        (status, json)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    pub async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        self.call(reqwest::Method::POST, path, token, Some(body))
            .await
    }

    /// Registers a user and logs it in; returns its id and token.
    pub async fn customer(&self, name: &str) -> (String, String) {
        let email = format!("{name}-{}@e2e.test", uuid::Uuid::new_v4().simple());
        let password = "E2e-customer-pass-1";
        let body = serde_json::json!({"name": name, "email": email, "password": password});
        let (status, registered) = self.post("/auth/register", None, body).await;
        assert_eq!(status, 201, "{registered}");
        let (id, token) = self.login(&email, password).await;
        assert_eq!(registered["data"]["id"], id.as_str());
        (id, token)
    }

    pub async fn login(&self, email: &str, password: &str) -> (String, String) {
        let body = serde_json::json!({"email": email, "password": password});
        let (status, login) = self.post("/auth/login", None, body).await;
        assert_eq!(status, 200, "{login}");
        let id = login["data"]["user"]["id"]
            .as_str()
            .expect("a user id")
            .to_owned();
        let token = login["data"]["accessToken"]
            .as_str()
            .expect("a token")
            .to_owned();
        (id, token)
    }

    /// Polls an order until it has `status`.
    pub async fn order_reaches(&self, id: &str, token: &str, status: &str) -> serde_json::Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        loop {
            let (code, order) = self.get(&format!("/orders/{id}"), Some(token)).await;
            assert_eq!(code, 200, "{order}");
            if order["data"]["status"] == status {
                return order;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "order {id} never became {status}: {order}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Every line the services print from the moment it starts, for tests about what the
/// logs contain.
pub struct LogCapture {
    readers: Vec<tokio::task::JoinHandle<CapturedLines>>,
}

/// The lines of the services, and how many were missed because a reader fell behind.
#[derive(Debug, Default)]
pub struct CapturedLines {
    pub lines: Vec<String>,
    pub missed: u64,
}

impl LogCapture {
    /// Starts reading every service's output.
    pub fn start(platform: &mut Platform) -> Self {
        use tokio::sync::broadcast::error::RecvError;
        let mut readers = Vec::new();
        for service in ServiceKind::ALL {
            let Some(process) = platform.process_mut(service) else {
                continue;
            };
            let mut output = process.subscribe_output();
            readers.push(tokio::spawn(async move {
                let mut captured = CapturedLines::default();
                loop {
                    match output.recv().await {
                        Ok(line) => captured.lines.push(line),
                        Err(RecvError::Lagged(missed)) => captured.missed += missed,
                        Err(RecvError::Closed) => return captured,
                    }
                }
            }));
        }
        Self { readers }
    }

    /// Everything printed until the services stopped: call after [`Running::stop`].
    pub async fn finish(self) -> CapturedLines {
        let mut all = CapturedLines::default();
        for reader in self.readers {
            let captured = tokio::time::timeout(Duration::from_secs(30), reader)
                .await
                .expect("the services' output ends once they are stopped")
                .expect("a log reader");
            all.lines.extend(captured.lines);
            all.missed += captured.missed;
        }
        all
    }
}

/// A response as it came: status, headers and body text.
pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl RawResponse {
    /// The body as JSON (panics on anything else: every answer of the API is JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|_| panic!("non-JSON answer ({}): {}", self.status, self.text))
    }
}

impl Api {
    /// Sends `body` as it is, with `content_type` when given.
    pub async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> RawResponse {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .body(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(content_type) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, content_type);
        }
        let response = request.send().await.expect("the gateway answers");
        RawResponse {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }
}

/// A registered, signed-in account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub email: String,
    pub password: String,
    pub token: String,
}

impl Api {
    /// Registers an account (a privileged `role` needs `admin`, an admin's token) and
    /// signs it in.
    pub async fn account(&self, name: &str, role: Option<&str>, admin: Option<&str>) -> Account {
        let email = format!("{name}-{}@e2e.test", uuid::Uuid::new_v4().simple());
        let password = format!("E2e-{name}-pass-1");
        let mut body = serde_json::json!({"name": name, "email": email, "password": password});
        if let Some(role) = role {
            body["role"] = role.into();
        }
        let (status, registered) = self.post("/auth/register", admin, body).await;
        assert_eq!(status, 201, "{registered}");
        let (id, token) = self.login(&email, &password).await;
        Account {
            id,
            email,
            password,
            token,
        }
    }
}

impl Api {
    /// A client that opens a connection per request: after refusing a body too large
    /// to read, the gateway closes the connection, and a pooled client could pick that
    /// connection for its next request while the close is on its way.
    pub fn unpooled(base: &str) -> Self {
        Self {
            base: base.to_owned(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()
                .expect("an HTTP client"),
        }
    }
}

/// Prints a suite's report and keeps it in
/// `<target>/tmp/reliability-report/<suite>.txt`: `cargo test` hides what a passing
/// test prints, and `scripts/test.sh` shows every kept report at the end of the run.
pub fn write_report(suite: &str, lines: &[String]) {
    let text = format!("{suite} report:\n{}\n", lines.join("\n"));
    eprint!("{text}");
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("reliability-report");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(format!("{suite}.txt")), &text));
    if let Err(error) = written {
        eprintln!(
            "cannot keep the {suite} report in {}: {error}",
            dir.display()
        );
    }
}
