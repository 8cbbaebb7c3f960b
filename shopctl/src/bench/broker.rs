//! The Kafka-protocol broker the benchmark runs on: tansu with its in-memory storage
//! engine, on a port of the run's own, stopped with the run.
//!
//! Not the local one: `scripts/infra.sh` runs tansu on its SQLite engine, so that
//! topics and committed offsets survive a broker restart. That engine serialises
//! writes: at 200 orders/s its produce answers took over 10 s (librdkafka timed them
//! out, consumer groups lost their sessions), and 768 of 6,000 orders were confirmed.
//! In memory the same run confirmed 8,000 of 8,000. Production runs Kafka, which is
//! neither; the benchmark measures the services, so it takes the broker that is not
//! the bottleneck, and its report says so.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep};

use super::BenchError;

/// The storage engine, as tansu's `--storage-engine` takes it.
pub const STORAGE: &str = "memory://tansu/";
/// How long the broker may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A running broker; killed when dropped.
pub struct BenchBroker {
    address: SocketAddr,
    _child: Child,
}

impl BenchBroker {
    /// Starts `tansu` on `127.0.0.1:port` and waits until it accepts connections.
    pub async fn start(tansu: &Path, port: u16) -> Result<Self, BenchError> {
        let address = SocketAddr::from(([127, 0, 0, 1], port));
        let url = format!("tcp://{address}");
        let child = Command::new(tansu)
            .args(["broker", "--listener-url", &url])
            .args(["--advertised-listener-url", &url])
            .args(["--storage-engine", STORAGE])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|source| {
                BenchError::Broker(format!("cannot start {}: {source}", tansu.display()))
            })?;
        let started = Instant::now();
        while tokio::net::TcpStream::connect(address).await.is_err() {
            if started.elapsed() > START_TIMEOUT {
                return Err(BenchError::Broker(format!(
                    "tansu did not listen on {address} within {START_TIMEOUT:?}"
                )));
            }
            sleep(Duration::from_millis(20)).await;
        }
        Ok(Self {
            address,
            _child: child,
        })
    }

    /// `KAFKA_BROKERS` for the services.
    pub fn brokers(&self) -> String {
        self.address.to_string()
    }
}
