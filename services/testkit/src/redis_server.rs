//! A Redis server of a test's own (on a free port, no persistence, working folder in
//! a temporary directory), for tests that stop and restart Redis without disturbing
//! the other tests on the shared one.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::process::{Child, Command};

/// A private Redis; stopped and its folder removed when dropped.
pub struct PrivateRedis {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl PrivateRedis {
    /// Starts a server and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(crate::unique_name("rustshop-redis"));
        std::fs::create_dir_all(&dir).expect("a temporary folder for Redis");
        let mut redis = Self {
            port: crate::infra::free_port(),
            dir,
            child: None,
        };
        redis.resume().await;
        redis
    }

    /// `redis://127.0.0.1:<port>`, for `REDIS_URL`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: an outage). Without persistence it comes back empty,
    /// as a cache may.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the server again on the same port.
    pub async fn resume(&mut self) {
        let port = self.port.to_string();
        // No config file: defaults plus these, so /etc/redis is never involved.
        let child = Command::new("redis-server")
            .args(["--port", &port, "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start redis-server ({error}); run `scripts/infra.sh install`")
            });
        self.child = Some(child);
        let address = format!("127.0.0.1:{}", self.port);
        crate::infra::wait_listening("the private Redis to listen", &address).await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
