//! The platform as `shopctl up` runs it: every service starts, answers its health
//! check, and exits cleanly on SIGTERM; a malformed variable stops a service at start
//! with a message naming the variable.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use shop_common::service::ServiceKind;
use shopctl::build::{Profile, build_services};
use shopctl::infra::InfraScript;
use shopctl::platform::{Platform, PlatformSpec};
use shopctl::ports::PortPlan;
use shopctl::process::ServiceProcess;

/// Ports of the platform under test: beside, not on, a `shopctl up` of the developer.
const PORT_OFFSET: u16 = 1000;

fn bin_dir() -> &'static PathBuf {
    static BIN_DIR: OnceLock<PathBuf> = OnceLock::new();
    BIN_DIR.get_or_init(|| {
        build_services(&shopctl::repo_root(), Profile::TestSuite).expect("the services build")
    })
}

/// The connection variables of the running test servers, plus a bootstrap admin.
fn platform_env() -> Vec<(String, String)> {
    let mut env = InfraScript::new(&shopctl::repo_root())
        .env()
        .expect("scripts/infra.sh env runs");
    env.extend([
        ("SHOP_ADMIN_EMAIL".to_owned(), "admin@e2e.test".to_owned()),
        (
            "SHOP_ADMIN_PASSWORD".to_owned(),
            "E2e-admin-password-1".to_owned(),
        ),
        ("KAFKA_TOPIC_PREFIX".to_owned(), "e2e.".to_owned()),
    ]);
    env
}

#[tokio::test]
async fn every_service_becomes_healthy_and_exits_cleanly_on_sigterm() {
    let spec = PlatformSpec {
        bin_dir: bin_dir().clone(),
        ports: PortPlan::shifted(PORT_OFFSET),
        env: platform_env(),
        echo_logs: false,
    };
    let mut platform = Platform::spawn(&spec).unwrap();
    if let Err(error) = platform.wait_healthy(Duration::from_secs(60)).await {
        platform.stop(Duration::from_secs(5)).await;
        panic!("{error}");
    }
    assert!(platform.unhealthy().await.is_empty());

    for (service, result) in platform.stop(Duration::from_secs(20)).await {
        let status = result.unwrap();
        assert!(
            status.success(),
            "{service} exited with {status} on SIGTERM"
        );
    }
}

/// Starts one service with `env` on top of a valid environment and returns its exit
/// code and output.
async fn run_with(service: ServiceKind, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut vars = platform_env();
    vars.extend(PortPlan::shifted(PORT_OFFSET + 100).env_for(service));
    vars.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let mut process = ServiceProcess::spawn(service, bin_dir(), &vars, false).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), process.wait())
        .await
        .unwrap_or_else(|_| panic!("{service} kept running with a malformed variable"))
        .unwrap();
    // Give the output pumps a moment to drain the closed pipes.
    let output = drained_output(&process).await;
    (status.code(), output)
}

async fn drained_output(process: &ServiceProcess) -> String {
    for _ in 0..50 {
        let lines = process.recent_output();
        if !lines.is_empty() {
            return lines.join("\n");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    String::new()
}

#[tokio::test]
async fn a_malformed_variable_stops_the_service_naming_it() {
    let cases: [(ServiceKind, &str, &str); 7] = [
        (
            ServiceKind::Users,
            "USERS_DATABASE_URL",
            "mysql://root@localhost/users",
        ),
        (ServiceKind::Products, "REDIS_URL", "localhost:6379"),
        (ServiceKind::Cart, "MONGODB_URI", "http://mongo"),
        (ServiceKind::Orders, "KAFKA_BROKERS", "broker-without-port"),
        (ServiceKind::Stock, "PRODUCTS_GRPC_URL", "products:50053"),
        (ServiceKind::Notification, "METRICS_PORT", "ninety"),
        (ServiceKind::Gateway, "GATEWAY_PORT", "70000"),
    ];
    for (service, variable, value) in cases {
        let (code, output) = run_with(service, &[(variable, value)]).await;
        assert_eq!(code, Some(2), "{service} with {variable}={value}: {output}");
        assert!(
            output.contains(variable),
            "{service} did not name {variable}: {output}"
        );
    }
}

#[tokio::test]
async fn a_missing_required_variable_says_what_it_is_for() {
    let (code, output) = run_with(ServiceKind::Auth, &[("SHOP_ADMIN_PASSWORD", "")]).await;
    assert_eq!(code, Some(2), "{output}");
    assert!(
        output.contains("SHOP_ADMIN_PASSWORD is not set (needed to create the first admin)"),
        "{output}"
    );
}
