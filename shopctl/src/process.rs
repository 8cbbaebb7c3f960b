//! One service process: started with its environment, its output prefixed with its
//! name on our stdout (the last lines kept for error reports, and every line to
//! whoever subscribes), stopped with SIGTERM.

use std::collections::VecDeque;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use shop_common::service::ServiceKind;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::broadcast;

/// How many log lines of each service are kept for error reports.
const KEPT_LINES: usize = 40;
/// How many lines a subscriber may fall behind before it misses some.
const SUBSCRIBER_BACKLOG: usize = 16_384;

#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("cannot start {binary}: {source}")]
    Spawn {
        binary: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot signal {service}: {source}")]
    Signal {
        service: ServiceKind,
        #[source]
        source: nix::Error,
    },
    #[error("waiting for {service} failed: {source}")]
    Wait {
        service: ServiceKind,
        #[source]
        source: std::io::Error,
    },
}

/// A running service.
pub struct ServiceProcess {
    pub service: ServiceKind,
    child: Child,
    recent: Arc<Mutex<VecDeque<String>>>,
    lines: broadcast::Sender<String>,
}

impl ServiceProcess {
    /// Starts `<bin_dir>/shop-<service>` with `env` added to ours; `echo` prints its
    /// output prefixed with the service name.
    pub fn spawn(
        service: ServiceKind,
        bin_dir: &Path,
        env: &[(String, String)],
        echo: bool,
    ) -> Result<Self, ProcessError> {
        let binary = bin_dir.join(service.binary());
        let mut child = Command::new(&binary)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            // Its own process group: a Ctrl-C in the terminal reaches shopctl only,
            // which then stops the services in order instead of all at once.
            .process_group(0)
            .spawn()
            .map_err(|source| ProcessError::Spawn {
                binary: binary.display().to_string(),
                source,
            })?;
        let recent = Arc::new(Mutex::new(VecDeque::with_capacity(KEPT_LINES)));
        let (lines, _) = broadcast::channel(SUBSCRIBER_BACKLOG);
        let output = Output {
            service,
            recent: recent.clone(),
            lines: lines.clone(),
            echo,
        };
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(pump(stdout, output.clone()));
        }
        if let Some(stderr) = child.stderr.take() {
            tokio::spawn(pump(stderr, output));
        }
        Ok(Self {
            service,
            child,
            recent,
            lines,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The exit status, if it has exited.
    pub fn try_exit_status(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// The last lines it printed.
    pub fn recent_output(&self) -> Vec<String> {
        self.recent
            .lock()
            .map(|lines| lines.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Every line it prints from now on (stdout and stderr), for tests that read its
    /// logs. The stream ends once the process has exited and this `ServiceProcess` is
    /// dropped; a subscriber more than 16384 lines behind misses lines (and is told).
    pub fn subscribe_output(&self) -> broadcast::Receiver<String> {
        self.lines.subscribe()
    }

    /// Sends a signal (SIGTERM to ask for a graceful stop, SIGKILL to simulate a crash).
    pub fn signal(&self, signal: Signal) -> Result<(), ProcessError> {
        let Some(pid) = self.pid() else {
            return Ok(()); // already reaped
        };
        let pid = Pid::from_raw(i32::try_from(pid).unwrap_or(i32::MAX));
        kill(pid, signal).map_err(|source| ProcessError::Signal {
            service: self.service,
            source,
        })
    }

    /// SIGTERM, then waits up to `grace`; SIGKILL if it is still running.
    pub async fn stop(&mut self, grace: Duration) -> Result<ExitStatus, ProcessError> {
        if let Some(status) = self.try_exit_status() {
            return Ok(status);
        }
        self.signal(Signal::SIGTERM)?;
        match tokio::time::timeout(grace, self.child.wait()).await {
            Ok(result) => result.map_err(|source| self.wait_error(source)),
            Err(_) => {
                eprintln!("{} did not stop within {grace:?}; killing it", self.service);
                self.signal(Signal::SIGKILL)?;
                self.child
                    .wait()
                    .await
                    .map_err(|source| self.wait_error(source))
            }
        }
    }

    /// Waits until it exits by itself.
    pub async fn wait(&mut self) -> Result<ExitStatus, ProcessError> {
        self.child
            .wait()
            .await
            .map_err(|source| self.wait_error(source))
    }

    fn wait_error(&self, source: std::io::Error) -> ProcessError {
        ProcessError::Wait {
            service: self.service,
            source,
        }
    }
}

/// Where a service's output goes.
#[derive(Clone)]
struct Output {
    service: ServiceKind,
    recent: Arc<Mutex<VecDeque<String>>>,
    lines: broadcast::Sender<String>,
    echo: bool,
}

async fn pump(stream: impl AsyncRead + Unpin, output: Output) {
    let Output {
        service,
        recent,
        lines: subscribers,
        echo,
    } = output;
    let prefix = prefix(service);
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if echo {
            println!("{prefix} {line}");
        }
        if subscribers.receiver_count() > 0 {
            // No subscriber left meanwhile is no error.
            let _ = subscribers.send(line.clone());
        }
        if let Ok(mut recent) = recent.lock() {
            if recent.len() == KEPT_LINES {
                recent.pop_front();
            }
            recent.push_back(line);
        }
    }
}

/// `    products |`, in the service's own colour when stdout is a terminal.
fn prefix(service: ServiceKind) -> String {
    use std::io::IsTerminal;
    let name = format!("{:>12} |", service.name());
    if !std::io::stdout().is_terminal() {
        return name;
    }
    let colour = ServiceKind::ALL
        .iter()
        .position(|s| *s == service)
        .map_or(37, |i| 31 + (i % 6))
        + if service.is_http() { 60 } else { 0 };
    format!("\x1b[{colour}m{name}\x1b[0m")
}
