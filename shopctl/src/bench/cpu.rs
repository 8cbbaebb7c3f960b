//! CPU time spent during a scenario, per process, from `/proc`: what each service,
//! the infrastructure, the load generator and the bare axum ceiling cost per request.
//! Unlike requests per second, this does not depend on who else used the machine.

use std::time::Duration;

use shop_common::service::ServiceKind;

/// Clock ticks per second of `/proc`'s CPU times (`USER_HZ`, 100 on every Linux
/// architecture this runs on).
const TICKS_PER_SECOND: u64 = 100;
/// The infrastructure servers `scripts/infra.sh` starts, by command name.
const INFRA_COMMANDS: [(&str, Server); 4] = [
    ("postgres", Server::Postgres),
    ("redis-server", Server::Redis),
    ("nx-27017", Server::Mongo),
    ("tansu", Server::Kafka),
];
/// The name of the ceiling's threads (see [`super::ceiling`]).
const CEILING_THREADS: &str = "ceiling";

/// Who spent CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Spender {
    Service(ServiceKind),
    /// Every instance of one infrastructure server.
    Infrastructure(Server),
    /// This process, less the ceiling's threads.
    LoadGenerator,
    /// The bare axum server's threads.
    Ceiling,
}

/// An infrastructure server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Server {
    Postgres,
    Redis,
    Mongo,
    Kafka,
}

impl Spender {
    pub fn label(self) -> &'static str {
        match self {
            Spender::Service(service) => service.name(),
            Spender::Infrastructure(Server::Postgres) => "PostgreSQL",
            Spender::Infrastructure(Server::Redis) => "Redis",
            Spender::Infrastructure(Server::Mongo) => "MongoDB (nx-27017)",
            Spender::Infrastructure(Server::Kafka) => "Kafka (tansu)",
            Spender::LoadGenerator => "load generator",
            Spender::Ceiling => "bare axum",
        }
    }
}

/// CPU used so far by each spender.
#[derive(Debug, Clone, Default)]
pub struct CpuSnapshot(Vec<(Spender, Duration)>);

impl CpuSnapshot {
    /// Reads `/proc` for the services `pids`, the infrastructure and this process.
    pub fn take(pids: &[(ServiceKind, u32)]) -> Self {
        let mut spent: Vec<(Spender, Duration)> = pids
            .iter()
            .filter_map(|(service, pid)| Some((Spender::Service(*service), process_cpu(*pid)?)))
            .collect();
        spent.extend(
            infrastructure_cpu().map(|(server, cpu)| (Spender::Infrastructure(server), cpu)),
        );
        let ceiling = threads_cpu(CEILING_THREADS);
        let own = process_cpu(std::process::id()).unwrap_or_default();
        spent.push((Spender::LoadGenerator, own.saturating_sub(ceiling)));
        spent.push((Spender::Ceiling, ceiling));
        Self(spent)
    }

    /// What each spender used since `earlier`, per request, leaving out those that
    /// used nothing.
    pub fn per_request_since(
        &self,
        earlier: &CpuSnapshot,
        requests: u64,
    ) -> Vec<(Spender, Duration)> {
        let requests = u32::try_from(requests.max(1)).unwrap_or(u32::MAX);
        self.0
            .iter()
            .filter_map(|(spender, now)| {
                let before = earlier
                    .0
                    .iter()
                    .find(|(s, _)| s == spender)
                    .map_or(Duration::ZERO, |(_, d)| *d);
                let spent = now.saturating_sub(before);
                (!spent.is_zero()).then(|| (*spender, spent / requests))
            })
            .collect()
    }
}

/// utime + stime out of a `/proc/<pid>/stat` line.
fn parse_stat_cpu(stat: &str) -> Option<Duration> {
    // The command (field 2) is in parentheses and may hold spaces: count from the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // Fields 14 and 15 of the line are the 12th and 13th after the command.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis(
        (utime + stime) * 1000 / TICKS_PER_SECOND,
    ))
}

fn process_cpu(pid: u32) -> Option<Duration> {
    parse_stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// CPU of this process's threads called `name`.
fn threads_cpu(name: &str) -> Duration {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Duration::ZERO;
    };
    tasks
        .flatten()
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name)
        })
        .filter_map(|task| parse_stat_cpu(&std::fs::read_to_string(task.path().join("stat")).ok()?))
        .sum()
}

/// CPU of every infrastructure server, each summed over its processes: one pass
/// over `/proc`.
fn infrastructure_cpu() -> [(Server, Duration); 4] {
    let mut spent = INFRA_COMMANDS.map(|(_, server)| (server, Duration::ZERO));
    let Ok(processes) = std::fs::read_dir("/proc") else {
        return spent;
    };
    let is_pid = |entry: &std::fs::DirEntry| {
        entry
            .file_name()
            .to_string_lossy()
            .bytes()
            .all(|b| b.is_ascii_digit())
    };
    for entry in processes.flatten().filter(is_pid) {
        let Ok(comm) = std::fs::read_to_string(entry.path().join("comm")) else {
            continue;
        };
        let Some(slot) = INFRA_COMMANDS
            .iter()
            .position(|(command, _)| *command == comm.trim())
        else {
            continue;
        };
        if let Some(cpu) = std::fs::read_to_string(entry.path().join("stat"))
            .ok()
            .and_then(|stat| parse_stat_cpu(&stat))
        {
            spent[slot].1 += cpu;
        }
    }
    spent
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_user_plus_system_ticks() {
        // pid (comm) state ppid ... utime=250 stime=50 (fields 14, 15)
        let stat =
            "4242 (shop gateway) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 6 0 123 0 0";
        assert_eq!(parse_stat_cpu(stat), Some(Duration::from_secs(3)));
        assert_eq!(parse_stat_cpu("4242 (short) S 1"), None);
    }

    #[test]
    fn spending_is_divided_by_the_requests() {
        let gateway = Spender::Service(ServiceKind::Gateway);
        let before = CpuSnapshot(vec![
            (gateway, Duration::from_secs(1)),
            (Spender::Ceiling, Duration::ZERO),
        ]);
        let after = CpuSnapshot(vec![
            (gateway, Duration::from_secs(3)),
            (Spender::Ceiling, Duration::ZERO),
        ]);
        let spent = after.per_request_since(&before, 100_000);
        assert_eq!(spent, vec![(gateway, Duration::from_micros(20))]);
    }

    #[test]
    fn our_own_process_is_measured() {
        let snapshot = CpuSnapshot::take(&[]);
        assert!(snapshot.0.iter().any(|(s, _)| *s == Spender::LoadGenerator));
    }

    #[test]
    fn every_infrastructure_server_has_its_own_column() {
        let snapshot = CpuSnapshot::take(&[]);
        for (_, server) in INFRA_COMMANDS {
            let spender = Spender::Infrastructure(server);
            assert_eq!(snapshot.0.iter().filter(|(s, _)| *s == spender).count(), 1);
        }
        let mut labels: Vec<&str> = INFRA_COMMANDS
            .map(|(_, server)| Spender::Infrastructure(server).label())
            .to_vec();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), INFRA_COMMANDS.len());
    }
}
