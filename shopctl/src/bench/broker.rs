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

use shop_common::service::ServiceKind;
use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep};

use super::BenchError;

/// The storage engine, as tansu's `--storage-engine` takes it.
pub const STORAGE: &str = "memory://tansu/";
/// `KAFKA_FETCH_WAIT_MS` of the consumers between an accepted order and its
/// confirmation (stock, then orders). tansu holds every fetch this long, data or not,
/// so an event waits 1 to 2 fetch waits per hop. The services' default, 20 ms, suits
/// the local broker, whose SQLite engine makes each fetch dear (an idle platform kept
/// it at 24 % of a core, 54 % at 10 ms). In memory a fetch is cheap: the idle broker
/// took 3.3 % of a core at the defaults and 9.5 % with all four consumers at 10 ms.
/// In `buy` at 200 orders/s for 60 s, 10 ms took the p50 from 74.2 to 60.2 ms and 5 ms
/// to 39.7-47.1 ms (three runs), with p99s of 115-124 ms against 167.6 ms at 10 ms.
pub const CONFIRMATION_PATH_FETCH_WAIT_MS: &str = "5";
/// Their `KAFKA_FETCH_WAIT_MS` in the read scenarios, where no event flows: what they
/// would run with against Kafka (see the README). Each fetch the broker answers wakes
/// threads that requests then queue behind: a cached product read at 17,800 req/s
/// (half its max rate) had a p50 of 1.04-1.09 ms and a p99 of 5.8-6.5 ms with the
/// services' default of 20 ms, 0.85-0.89 and 4.7-5.7 ms with 500 ms (5 ms: p99 up to 8).
pub const READS_FETCH_WAIT_MS: &str = "500";
/// The variable that sets it.
const FETCH_WAIT: &str = "KAFKA_FETCH_WAIT_MS";
/// `KAFKA_TOPIC_PARTITIONS` of the run's topics (the services' default is 3). On each
/// fetch that finds data, the in-memory engine lists every record of the partition, so
/// the broker's CPU grows with the records a run adds, and more partitions keep each
/// list shorter. `buy` on the local platform (200 orders/s for 60 s, background fetch
/// wait 1 s): accepted → confirmed p99 128.6 ms with 3 partitions, 78.9 and 98.4 ms
/// with 12. 48 made every fetch dearer: the broker took 34 % of a core in the first
/// 10 s, against 20-24 % with 3 or 12.
pub const TOPIC_PARTITIONS: &str = "12";
/// The variable that sets it.
const PARTITIONS: &str = "KAFKA_TOPIC_PARTITIONS";
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

/// The services' settings for this broker (defaults: a variable set for the run
/// holds instead): `KAFKA_FETCH_WAIT_MS` = `wait` for stock and orders, the consumers
/// between an accepted order and its confirmation, and `KAFKA_TOPIC_PARTITIONS` =
/// [`TOPIC_PARTITIONS`] for every service.
pub fn service_env(wait: &str) -> Vec<(ServiceKind, String, String)> {
    let fetch_wait = [ServiceKind::Stock, ServiceKind::Orders]
        .into_iter()
        .map(|service| (service, FETCH_WAIT.to_owned(), wait.to_owned()));
    let partitions = ServiceKind::ALL
        .into_iter()
        .map(|service| (service, PARTITIONS.to_owned(), TOPIC_PARTITIONS.to_owned()));
    fetch_wait.chain(partitions).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The services that `service_env(wait)` gives `variable` = `value`.
    fn given(variable: &str, value: &str) -> Vec<ServiceKind> {
        service_env(CONFIRMATION_PATH_FETCH_WAIT_MS)
            .into_iter()
            .filter(|(_, name, set)| name == variable && set == value)
            .map(|(service, _, _)| service)
            .collect()
    }

    #[test]
    fn only_the_confirmation_path_fetches_faster() {
        assert_eq!(
            given(FETCH_WAIT, "5"),
            [ServiceKind::Stock, ServiceKind::Orders]
        );
        let env = service_env(CONFIRMATION_PATH_FETCH_WAIT_MS);
        assert_eq!(
            env.iter().filter(|(_, name, _)| name == FETCH_WAIT).count(),
            2
        );
    }

    #[test]
    fn every_service_creates_topics_with_the_runs_partitions() {
        assert_eq!(given(PARTITIONS, TOPIC_PARTITIONS), ServiceKind::ALL);
    }
}
