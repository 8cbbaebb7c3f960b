//! A PostgreSQL server of a test's own (initdb into a temporary folder, a free port),
//! for tests that crash and restart the database without disturbing the other tests
//! on the shared one. Set up as `scripts/infra.sh` sets up the shared server: the
//! Debian binaries, trust authentication on loopback, durability off, and run as the
//! `postgres` user when the tests run as root (PostgreSQL refuses root).

use std::ffi::OsStr;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::process::Command;

/// A private PostgreSQL server; stopped and its data removed when dropped.
pub struct PrivatePostgres {
    port: u16,
    bin: PathBuf,
    /// Holds `data/` (the cluster) and `postgres.log`.
    dir: PathBuf,
}

/// The highest installed version's binaries, as `scripts/infra.sh` picks them.
fn pg_bin() -> PathBuf {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_else(|_| Vec::<PathBuf>::new());
    installed
        .into_iter()
        .filter_map(|dir| {
            let version: u32 = dir.file_name()?.to_str()?.parse().ok()?;
            Some((version, dir.join("bin")))
        })
        .filter(|(_, bin)| bin.join("pg_ctl").exists())
        .max_by_key(|(version, _)| *version)
        .map(|(_, bin)| bin)
        .unwrap_or_else(|| panic!("PostgreSQL is not installed; run `scripts/infra.sh install`"))
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|meta| meta.uid() == 0)
}

impl PrivatePostgres {
    /// Creates a cluster, starts it and waits until it accepts connections.
    pub async fn start() -> Self {
        let dir = std::env::temp_dir().join(crate::unique_name("rustshop-pg"));
        std::fs::create_dir_all(&dir).expect("a temporary folder for PostgreSQL");
        // The postgres user (when we are root) creates the cluster and its log here.
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777))
            .expect("the folder opened to the postgres user");
        let server = Self {
            port: crate::infra::free_port(),
            bin: pg_bin(),
            dir,
        };
        server.init().await;
        server.resume().await;
        server
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    async fn init(&self) {
        let data = self.data();
        let args = [
            OsStr::new("-D"),
            data.as_os_str(),
            OsStr::new("-U"),
            OsStr::new("postgres"),
            OsStr::new("--auth=trust"),
            OsStr::new("-E"),
            OsStr::new("UTF8"),
            OsStr::new("--locale=C.UTF-8"),
            // Nothing to make durable yet: a throwaway cluster.
            OsStr::new("--no-sync"),
        ];
        self.run("initdb", &args).await;
        let settings = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = ''\n\
             max_connections = 200\nfsync = off\nfull_page_writes = off\n",
            self.port
        );
        // fsync off: the machine does not crash in these tests, the server does. Commits
        // stay synchronous, so a crash loses nothing the server acknowledged.
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut conf| conf.write_all(settings.as_bytes()))
            .expect("the private cluster's settings written");
    }

    /// Crashes the server (`pg_ctl stop -m immediate`: no checkpoint, every client cut
    /// off); the next start recovers from the write-ahead log.
    pub async fn stop(&self) {
        let data = self.data();
        let args = [
            OsStr::new("-D"),
            data.as_os_str(),
            OsStr::new("-m"),
            OsStr::new("immediate"),
            OsStr::new("-w"),
            OsStr::new("-s"),
            OsStr::new("stop"),
        ];
        self.run("pg_ctl", &args).await;
    }

    /// Starts the server on its data (again) and waits until it accepts connections.
    pub async fn resume(&self) {
        let data = self.data();
        let log = self.dir.join("postgres.log");
        let args = [
            OsStr::new("-D"),
            data.as_os_str(),
            OsStr::new("-l"),
            log.as_os_str(),
            OsStr::new("-w"),
            OsStr::new("-t"),
            OsStr::new("60"),
            OsStr::new("-s"),
            OsStr::new("start"),
        ];
        self.run("pg_ctl", &args).await;
    }

    /// Runs one of the server's programs, as the postgres user when we are root.
    async fn run(&self, program: &str, args: &[&OsStr]) {
        let path = self.bin.join(program);
        let output = Command::from(as_postgres(&path))
            .args(args)
            .stdin(Stdio::null())
            .output()
            .await
            .unwrap_or_else(|error| panic!("cannot run {}: {error}", path.display()));
        if !output.status.success() {
            panic!(
                "{program} {args:?} failed ({}): {}{}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr),
                last_lines(&self.dir.join("postgres.log")),
            );
        }
    }
}

/// `program`, run as the postgres user when we are root.
fn as_postgres(program: &Path) -> std::process::Command {
    let mut command = if is_root() {
        let mut runuser = std::process::Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        std::process::Command::new(program)
    };
    // The postgres user may not be allowed into our working directory.
    command.current_dir("/");
    command
}

fn last_lines(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // Synchronous: the test is over (or panicking), nothing else to wait for.
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(self.data())
            .args(["-m", "immediate", "-w", "-s", "stop"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
