//! Where and on what a benchmark ran: the machine, its load, the commit, the images.

use std::path::Path;
use std::process::Command;

use shop_common::service::ServiceKind;

/// The machine.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory_kib: u64,
    pub kernel: String,
}

impl Machine {
    /// Reads `/proc` (fields it cannot read stay empty or zero).
    pub fn detect() -> Self {
        let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
        Self {
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            cpu_model: cpu_model(&read("/proc/cpuinfo")).unwrap_or_else(|| "unknown".to_owned()),
            memory_kib: memory_kib(&read("/proc/meminfo")).unwrap_or(0),
            kernel: read("/proc/sys/kernel/osrelease").trim().to_owned(),
        }
    }
}

/// The first `model name` of `/proc/cpuinfo`.
fn cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split_once(':'))
        .map(|(_, model)| model.trim().to_owned())
}

/// `MemTotal` of `/proc/meminfo`, in KiB.
fn memory_kib(meminfo: &str) -> Option<u64> {
    meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|value| value.trim().parse().ok())
}

/// The 1, 5 and 15 minute load averages, from `/proc/loadavg`.
pub fn load_average() -> Option<[f64; 3]> {
    parse_load_average(&std::fs::read_to_string("/proc/loadavg").ok()?)
}

fn parse_load_average(text: &str) -> Option<[f64; 3]> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// The checked-out commit.
#[derive(Debug, Clone)]
pub struct Commit {
    /// `git rev-parse --short HEAD`, or `unknown`.
    pub short: String,
    /// Whether the work tree has changes on top of it.
    pub dirty: bool,
}

impl Commit {
    pub fn of(repo_root: &Path) -> Self {
        let git = |args: &[&str]| {
            Command::new("git")
                .current_dir(repo_root)
                .args(args)
                .output()
                .ok()
                .filter(|output| output.status.success())
                .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        };
        Self {
            short: git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".to_owned()),
            dirty: git(&["status", "--porcelain"]).is_some_and(|changes| !changes.is_empty()),
        }
    }
}

/// The service images' sizes, as far as Docker can tell.
#[derive(Debug, Clone)]
pub enum Images {
    /// No `docker` command.
    NoDocker,
    /// `docker` is there but its daemon does not answer.
    NoDaemon,
    /// Bytes per service image (`None`: the image is not built).
    Sizes {
        sizes: Vec<(ServiceKind, Option<u64>)>,
    },
}

impl Images {
    /// Sizes of `rustshop/<service>:<version>` (as `scripts/build-images.sh` tags them).
    pub fn inspect(version: &str) -> Self {
        let docker = |args: &[&str]| Command::new("docker").args(args).output();
        match docker(&["version", "--format", "{{.Server.Version}}"]) {
            Err(_) => return Images::NoDocker,
            Ok(output) if !output.status.success() => return Images::NoDaemon,
            Ok(_) => {}
        }
        let sizes = ServiceKind::ALL
            .into_iter()
            .map(|service| {
                let image = format!("rustshop/{}:{version}", service.name());
                let size = docker(&["image", "inspect", "--format", "{{.Size}}", &image])
                    .ok()
                    .filter(|output| output.status.success())
                    .and_then(|output| String::from_utf8_lossy(&output.stdout).trim().parse().ok());
                (service, size)
            })
            .collect();
        Images::Sizes { sizes }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_model_is_the_first_model_name() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\n\
                       model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n\
                       processor\t: 1\nmodel name\t: other\n";
        assert_eq!(
            cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) CPU @ 2.20GHz")
        );
        assert_eq!(cpu_model("processor\t: 0\n"), None);
    }

    #[test]
    fn total_memory_is_read_in_kib() {
        let meminfo = "MemTotal:       24684172 kB\nMemFree:         4681052 kB\n";
        assert_eq!(memory_kib(meminfo), Some(24_684_172));
    }

    #[test]
    fn load_averages_are_the_first_three_fields() {
        assert_eq!(
            parse_load_average("2.15 2.38 2.45 3/412 20333\n"),
            Some([2.15, 2.38, 2.45])
        );
        assert_eq!(parse_load_average("2.15\n"), None);
    }
}
