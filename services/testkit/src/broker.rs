//! A Kafka-protocol broker of a test's own (tansu on a free port, storage in a
//! temporary folder), for tests that stop and restart the broker without disturbing
//! the other tests on the shared one.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

/// A private broker; stopped and its storage removed when dropped.
pub struct PrivateBroker {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

/// The tansu binary `scripts/infra.sh install` put in the tools cache (or `TANSU_BIN`).
fn tansu_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("TANSU_BIN") {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("RUSTSHOP_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/rustshop")
        });
    cache.join("tools/bin/tansu")
}

impl PrivateBroker {
    /// Starts a broker and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(crate::unique_name("rustshop-broker"));
        std::fs::create_dir_all(&dir).expect("a temporary folder for the broker");
        let mut broker = Self {
            port: crate::infra::free_port(),
            dir,
            child: None,
        };
        broker.resume().await;
        broker
    }

    /// `127.0.0.1:<port>`, for `KAFKA_BROKERS`.
    pub fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Stops the broker (SIGKILL: an outage, not a goodbye). Topics and committed
    /// offsets stay in its storage.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the broker again on the same port and storage.
    pub async fn resume(&mut self) {
        let binary = tansu_binary();
        let url = format!("tcp://{}", self.address());
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("tansu.log"))
            .expect("the private broker's log file");
        let log_err = log.try_clone().expect("the private broker's log file");
        // tansu resolves the sqlite path against its working directory.
        let child = Command::new(&binary)
            .args([
                "broker",
                "--listener-url",
                &url,
                "--advertised-listener-url",
                &url,
            ])
            .args(["--storage-engine", "sqlite://tansu.db"])
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log_err))
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {} ({error}); install it with `scripts/infra.sh install`",
                    binary.display()
                )
            });
        self.child = Some(child);
        crate::infra::wait_listening("the private broker to listen", &self.address()).await;
    }
}

impl PrivateBroker {
    /// Whether the broker process is still running (it was started and has not exited).
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// The last lines the broker printed, for a failing test's message.
    pub fn log_tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(self.dir.join("tansu.log")).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for PrivateBroker {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
