//! The platform as `shopctl up` runs it: every service starts, answers its health
//! check, and exits cleanly on SIGTERM; a malformed variable stops a service at start
//! with a message naming the variable.

mod support;

use std::time::Duration;

use shop_common::service::ServiceKind;
use shopctl::ports::PortPlan;
use shopctl::process::ServiceProcess;
use support::{bin_dir, platform_env};

/// Ports of the platform under test: beside, not on, a `shopctl up` of the developer.
const PORTS: u16 = 21000;

#[tokio::test]
async fn every_service_becomes_healthy_and_exits_cleanly_on_sigterm() {
    let running = support::Running::start(PORTS).await;
    assert!(running.platform.unhealthy().await.is_empty());
    // Stopping asserts every service exits with status 0 on SIGTERM.
    running.stop().await;
}

/// Starts one service with `env` on top of a valid environment and returns its exit
/// code and output.
async fn run_with(service: ServiceKind, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut vars = platform_env();
    vars.extend(PortPlan::block(PORTS + 200).env_for(service));
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
