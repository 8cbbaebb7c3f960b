//! The nine services as local processes: started together, waited for until healthy,
//! stopped together (gateway first, so no request arrives at a stopped service).

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use shop_common::bootstrap::WORKER_THREADS;
use shop_common::service::ServiceKind;

use crate::health::{self, Health};
use crate::ports::PortPlan;
use crate::process::{ProcessError, ServiceProcess};

/// The bootstrap admin of a local platform unless `SHOP_ADMIN_EMAIL` /
/// `SHOP_ADMIN_PASSWORD` say otherwise. For local use only.
pub const LOCAL_ADMIN_EMAIL: &str = "admin@rustshop.local";
pub const LOCAL_ADMIN_PASSWORD: &str = "Rustshop-admin-1";

/// What to start.
#[derive(Clone)]
pub struct PlatformSpec {
    /// Folder of the `shop-*` binaries.
    pub bin_dir: PathBuf,
    pub ports: PortPlan,
    /// Variables for every service (connection URLs, admin, log settings).
    pub env: Vec<(String, String)>,
    /// Defaults for one service only: each yields to the same variable set in `env`
    /// or in shopctl's environment (which then holds for every service).
    pub service_env: Vec<(ServiceKind, String, String)>,
    /// Print every service's output, prefixed with its name.
    pub echo_logs: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("{service} exited ({status}) while starting; its last lines:\n{last_lines}")]
    Exited {
        service: ServiceKind,
        status: ExitStatus,
        last_lines: String,
    },
    #[error("not healthy after {waited:?}: {unhealthy}")]
    Timeout { waited: Duration, unhealthy: String },
}

/// The running services.
pub struct Platform {
    spec: PlatformSpec,
    processes: Vec<ServiceProcess>,
}

impl Platform {
    /// Starts every service.
    pub fn spawn(spec: &PlatformSpec) -> Result<Self, PlatformError> {
        let processes = ServiceKind::ALL
            .into_iter()
            .map(|service| start(spec, service))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            spec: spec.clone(),
            processes,
        })
    }

    pub fn ports(&self) -> PortPlan {
        self.spec.ports
    }

    /// Starts `service` again (after it exited), with the same settings.
    pub fn restart(&mut self, service: ServiceKind) -> Result<(), PlatformError> {
        let process = start(&self.spec, service)?;
        match self.processes.iter_mut().find(|p| p.service == service) {
            Some(slot) => *slot = process,
            None => self.processes.push(process),
        }
        Ok(())
    }

    /// Replaces the per-service defaults with `service_env`, and stops (within `grace`)
    /// and starts again every service whose defaults changed, which then runs with them.
    pub async fn restart_with(
        &mut self,
        service_env: Vec<(ServiceKind, String, String)>,
        grace: Duration,
    ) -> Result<(), PlatformError> {
        let changed = changed_services(&self.spec.service_env, &service_env);
        self.spec.service_env = service_env;
        for service in changed {
            if let Some(process) = self.process_mut(service) {
                process.stop(grace).await?;
            }
            self.restart(service)?;
        }
        Ok(())
    }

    /// The process id of every running service.
    pub fn pids(&self) -> Vec<(ServiceKind, u32)> {
        self.processes
            .iter()
            .filter_map(|process| Some((process.service, process.pid()?)))
            .collect()
    }

    pub fn process_mut(&mut self, service: ServiceKind) -> Option<&mut ServiceProcess> {
        self.processes.iter_mut().find(|p| p.service == service)
    }

    /// Waits until every service reports healthy. A service that exits meanwhile fails
    /// the wait at once, with its last log lines.
    pub async fn wait_healthy(&mut self, timeout: Duration) -> Result<(), PlatformError> {
        let started = Instant::now();
        loop {
            self.fail_on_exit()?;
            let unhealthy = self.unhealthy().await;
            if unhealthy.is_empty() {
                return Ok(());
            }
            if started.elapsed() >= timeout {
                let unhealthy = unhealthy
                    .iter()
                    .map(|(service, reason)| format!("{service}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(PlatformError::Timeout {
                    waited: timeout,
                    unhealthy,
                });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The services that do not report healthy, with what their probe found.
    pub async fn unhealthy(&self) -> Vec<(ServiceKind, String)> {
        let probes = self.processes.iter().map(|p| async move {
            (
                p.service,
                health::probe(p.service, self.spec.ports.port(p.service)).await,
            )
        });
        futures::future::join_all(probes)
            .await
            .into_iter()
            .filter_map(|(service, health)| match health {
                Health::Healthy => None,
                Health::Unhealthy(reason) => Some((service, reason)),
            })
            .collect()
    }

    /// Every service that has exited, with its status and last lines.
    pub fn all_exited(&mut self) -> Vec<(ServiceKind, ExitStatus, Vec<String>)> {
        self.processes
            .iter_mut()
            .filter_map(|p| {
                p.try_exit_status()
                    .map(|status| (p.service, status, p.recent_output()))
            })
            .collect()
    }

    /// The first service that has exited, if any.
    pub fn exited(&mut self) -> Option<(ServiceKind, ExitStatus, Vec<String>)> {
        self.processes.iter_mut().find_map(|p| {
            p.try_exit_status()
                .map(|status| (p.service, status, p.recent_output()))
        })
    }

    fn fail_on_exit(&mut self) -> Result<(), PlatformError> {
        match self.exited() {
            Some((service, status, lines)) => Err(PlatformError::Exited {
                service,
                status,
                last_lines: lines.join("\n"),
            }),
            None => Ok(()),
        }
    }

    /// Stops every service with SIGTERM (SIGKILL after `grace`), in reverse start
    /// order, and returns how each exited.
    pub async fn stop(
        &mut self,
        grace: Duration,
    ) -> Vec<(ServiceKind, Result<ExitStatus, ProcessError>)> {
        let mut results = Vec::with_capacity(self.processes.len());
        for process in self.processes.iter_mut().rev() {
            results.push((process.service, process.stop(grace).await));
        }
        results
    }
}

fn start(spec: &PlatformSpec, service: ServiceKind) -> Result<ServiceProcess, PlatformError> {
    let mut env = spec.env.clone();
    env.extend(spec.ports.env_for(service));
    let chosen =
        |name: &str| env.iter().any(|(set, _)| set == name) || std::env::var_os(name).is_some();
    let defaults = service_defaults(service, &spec.service_env, chosen);
    env.extend(defaults);
    Ok(ServiceProcess::spawn(
        service,
        &spec.bin_dir,
        &env,
        spec.echo_logs,
    )?)
}

/// The services (in [`ServiceKind::ALL`]'s order) whose entries differ between `before` and `after`.
fn changed_services(
    before: &[(ServiceKind, String, String)],
    after: &[(ServiceKind, String, String)],
) -> Vec<ServiceKind> {
    let entries = |env: &[(ServiceKind, String, String)], service| {
        let mut mine: Vec<(String, String)> = env
            .iter()
            .filter(|(only, _, _)| *only == service)
            .map(|(_, name, value)| (name.clone(), value.clone()))
            .collect();
        mine.sort();
        mine
    };
    ServiceKind::ALL
        .into_iter()
        .filter(|service| entries(before, *service) != entries(after, *service))
        .collect()
}

/// `service`'s defaults: its entries of `service_env` and [`one_worker_thread`], but
/// none of the variables `chosen` says are set.
fn service_defaults(
    service: ServiceKind,
    service_env: &[(ServiceKind, String, String)],
    chosen: impl Fn(&str) -> bool,
) -> Vec<(String, String)> {
    service_env
        .iter()
        .filter(|(only, _, _)| *only == service)
        .map(|(_, name, value)| (name.clone(), value.clone()))
        .chain([one_worker_thread()])
        .filter(|(name, _)| !chosen(name))
        .collect()
}

/// One runtime thread for each service (unless `WORKER_THREADS` is chosen, see
/// [`service_defaults`]). The nine services share one
/// machine here: a gRPC service's requests arrive on one HTTP/2 connection from the
/// gateway, and a second thread mostly moves them between threads, contending for
/// that connection's lock. Measured with `shopctl load` on 2 cores: cached product
/// reads +25 %, listings +18 %. The gateway's main runtime only accepts connections:
/// its HTTP threads (`HTTP_THREADS`, one per CPU) serve them.
fn one_worker_thread() -> (String, String) {
    (WORKER_THREADS.to_owned(), "1".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_get_one_thread_unless_threads_are_chosen() {
        let one = vec![(WORKER_THREADS.to_owned(), "1".to_owned())];
        let nothing_chosen = |_: &str| false;
        assert_eq!(
            service_defaults(ServiceKind::Products, &[], nothing_chosen),
            one
        );
        assert_eq!(
            service_defaults(ServiceKind::Gateway, &[], nothing_chosen),
            one
        );
        let threads_chosen = |name: &str| name == WORKER_THREADS;
        assert!(service_defaults(ServiceKind::Products, &[], threads_chosen).is_empty());
    }

    #[test]
    fn a_service_default_goes_to_its_service_only_and_yields_when_chosen() {
        let wait = || ("KAFKA_FETCH_WAIT_MS".to_owned(), "10".to_owned());
        let (name, value) = wait();
        let service_env = [(ServiceKind::Stock, name, value)];
        let threads_chosen = |name: &str| name == WORKER_THREADS;
        assert_eq!(
            service_defaults(ServiceKind::Stock, &service_env, threads_chosen),
            [wait()]
        );
        assert!(service_defaults(ServiceKind::Orders, &service_env, threads_chosen).is_empty());
        let all_chosen = |_: &str| true;
        assert!(service_defaults(ServiceKind::Stock, &service_env, all_chosen).is_empty());
    }

    #[test]
    fn only_services_whose_defaults_changed_are_restarted() {
        let entry = |service, name: &str, value: &str| (service, name.to_owned(), value.to_owned());
        let before = [
            entry(ServiceKind::Stock, "KAFKA_FETCH_WAIT_MS", "500"),
            entry(ServiceKind::Cart, "KAFKA_TOPIC_PARTITIONS", "12"),
            entry(ServiceKind::Orders, "KAFKA_TOPIC_PARTITIONS", "12"),
        ];
        let after = [
            entry(ServiceKind::Orders, "KAFKA_TOPIC_PARTITIONS", "12"),
            entry(ServiceKind::Cart, "KAFKA_TOPIC_PARTITIONS", "12"),
            entry(ServiceKind::Stock, "KAFKA_FETCH_WAIT_MS", "5"),
            entry(ServiceKind::Orders, "KAFKA_FETCH_WAIT_MS", "5"),
        ];
        let mut changed = changed_services(&before, &after);
        changed.sort_by_key(|service| service.to_string());
        assert_eq!(changed, [ServiceKind::Orders, ServiceKind::Stock]);
        assert!(changed_services(&after, &after).is_empty());
    }
}
