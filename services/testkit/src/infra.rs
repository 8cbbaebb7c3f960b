//! Where the test servers are, and a clear failure when one is not up.

use std::sync::OnceLock;
use std::time::Duration;

/// Addresses of the four test servers.
#[derive(Debug, Clone)]
pub struct Infra {
    /// A PostgreSQL URL allowed to create databases (`SHOP_PG_ADMIN_URL`).
    pub pg_admin_url: String,
    pub redis_url: String,
    pub mongo_uri: String,
    pub kafka_brokers: String,
}

impl Infra {
    /// The servers named by the environment, or `scripts/infra.sh`'s defaults.
    pub fn get() -> &'static Infra {
        static INFRA: OnceLock<Infra> = OnceLock::new();
        INFRA.get_or_init(|| {
            let var = |name: &str, default: &str| {
                std::env::var(name)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| default.to_owned())
            };
            Infra {
                pg_admin_url: var(
                    "SHOP_PG_ADMIN_URL",
                    "postgres://postgres@127.0.0.1:55432/postgres",
                ),
                redis_url: var("REDIS_URL", "redis://127.0.0.1:56379"),
                mongo_uri: var("MONGODB_URI", "mongodb://127.0.0.1:57017"),
                kafka_brokers: var("KAFKA_BROKERS", "127.0.0.1:59092"),
            }
        })
    }
}

/// Fails the test, saying which server is missing and how to start it.
pub fn not_running(server: &str, address: &str, error: &dyn std::fmt::Display) -> ! {
    panic!(
        "{server} is not reachable at {address} ({error}).\n\
         Start the test servers with `scripts/infra.sh start`, or run the whole suite \
         with `scripts/test.sh`."
    )
}

/// Checks that something accepts TCP connections at `host:port` before a client
/// library spends its own (often long) timeouts on it.
pub async fn require_listening(server: &str, host_port: &str) {
    let connect = tokio::net::TcpStream::connect(host_port);
    match tokio::time::timeout(Duration::from_secs(3), connect).await {
        Ok(Ok(_)) => {}
        Ok(Err(error)) => not_running(server, host_port, &error),
        Err(_) => not_running(server, host_port, &"connection timed out"),
    }
}

/// `host:port` of a URL such as `redis://127.0.0.1:56379/0`.
pub fn host_port(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => format!(
            "{}:{}",
            parsed.host_str().unwrap_or("127.0.0.1"),
            parsed.port().unwrap_or(0)
        ),
        Err(_) => url.to_owned(),
    }
}

/// A loopback port nobody listens on now, for a server of a test's own that it stops
/// and restarts. Taken below the kernel's ephemeral range (32768 and up): while such a
/// server is down, an outgoing connection could otherwise be given its port (even
/// connect to itself on it), and clients would never reach the restarted server.
pub(crate) fn free_port() -> u16 {
    // Above the e2e platforms' port blocks (21000-22800).
    const RANGE: std::ops::Range<u16> = 23_000..32_000;
    let span = u64::from(RANGE.end - RANGE.start);
    let seed = uuid::Uuid::new_v4().as_u128() as u64;
    (0..span)
        .map(|i| RANGE.start + u16::try_from((seed + i) % span).unwrap_or_default())
        .find(|port| std::net::TcpListener::bind(("127.0.0.1", *port)).is_ok())
        .expect("a free loopback port below the ephemeral range")
}

/// Waits until something accepts connections at `address` (a server just started).
pub(crate) async fn wait_listening(what: &str, address: &str) {
    crate::eventually(what, Duration::from_secs(30), || async {
        tokio::net::TcpStream::connect(address)
            .await
            .ok()
            .map(|_| ())
    })
    .await;
}
