//! `shopctl up` runs rustshop locally; `shopctl status` reports each service's health.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shop_common::service::ServiceKind;
use shopctl::build::{Profile, build_services};
use shopctl::health;
use shopctl::infra::InfraScript;
use shopctl::platform::{LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD, Platform, PlatformSpec};
use shopctl::ports::PortPlan;
use shopctl::supervisor::supervise;

#[derive(Parser)]
#[command(version, about = "Run rustshop locally and check on it")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Install and start the infrastructure, build and start the nine services, wait
    /// until they are healthy, and run until Ctrl-C.
    Up {
        /// Build and run optimised binaries.
        #[arg(long)]
        release: bool,
        /// How long the services may take to become healthy.
        #[arg(long, default_value = "120", value_name = "SECONDS")]
        timeout: u64,
    },
    /// Show each service's health; exit 0 only when every service is healthy.
    Status,
}

fn gateway_port() -> anyhow::Result<u16> {
    match std::env::var("GATEWAY_PORT") {
        Ok(port) if !port.trim().is_empty() => port
            .trim()
            .parse()
            .with_context(|| format!("GATEWAY_PORT is invalid: `{port}` is not a port number")),
        _ => Ok(ServiceKind::Gateway.default_port()),
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Up { release, timeout } => up(release, Duration::from_secs(timeout)).await,
        Command::Status => status().await,
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("shopctl: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn up(release: bool, timeout: Duration) -> anyhow::Result<ExitCode> {
    let root = shopctl::repo_root();
    let ports = PortPlan::standard(gateway_port()?);
    eprintln!("==> starting the infrastructure (scripts/infra.sh start)");
    let infra = InfraScript::new(&root);
    infra.start()?;
    let mut env = infra.env()?;
    for (name, default) in [
        ("SHOP_ADMIN_EMAIL", LOCAL_ADMIN_EMAIL),
        ("SHOP_ADMIN_PASSWORD", LOCAL_ADMIN_PASSWORD),
        ("LOG_FORMAT", "text"),
    ] {
        if std::env::var_os(name).is_none() {
            env.push((name.to_owned(), default.to_owned()));
        }
    }

    eprintln!("==> building the services");
    let profile = if release {
        Profile::Release
    } else {
        Profile::Debug
    };
    let bin_dir = build_services(&root, profile)?;

    eprintln!("==> starting the services");
    let spec = PlatformSpec {
        bin_dir,
        ports,
        env,
        echo_logs: true,
    };
    let mut platform = Platform::spawn(&spec)?;
    if let Err(error) = platform.wait_healthy(timeout).await {
        platform.stop(Duration::from_secs(10)).await;
        return Err(error).context("the platform did not start");
    }
    let admin_email = admin_setting(&spec.env, "SHOP_ADMIN_EMAIL");
    let admin_password = admin_setting(&spec.env, "SHOP_ADMIN_PASSWORD");
    let seeded = shopctl::demo::seed(
        ports.port(ServiceKind::Auth),
        ports.port(ServiceKind::Products),
        &admin_email,
        &admin_password,
    )
    .await;
    match seeded {
        Ok(0) => eprintln!("==> the catalog already has products; no demo catalog added"),
        Ok(n) => eprintln!("==> created a demo catalog of {n} products"),
        Err(error) => eprintln!("==> no demo catalog: {error}"),
    }
    print_ready(ports, &admin_email, &admin_password);

    let shutdown = shop_common::shutdown::on_signal();
    supervise(&mut platform, &shutdown).await;
    eprintln!("==> stopping the services");
    for (service, result) in platform.stop(Duration::from_secs(15)).await {
        match result {
            Ok(status) if status.success() => {}
            Ok(status) => eprintln!("    {service} exited with {status}"),
            Err(error) => eprintln!("    {service}: {error}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// An admin setting as the services got it (ours, or the documented local default).
fn admin_setting(env: &[(String, String)], name: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
        .unwrap_or_default()
}

fn print_ready(ports: PortPlan, admin_email: &str, admin_password: &str) {
    let gateway = ports.port(ServiceKind::Gateway);
    println!();
    println!("rustshop is up.");
    println!("  API       http://127.0.0.1:{gateway}/api/v1");
    println!("  docs      http://127.0.0.1:{gateway}/docs");
    println!("  health    http://127.0.0.1:{gateway}/healthz");
    println!("  metrics   http://127.0.0.1:{gateway}/metrics");
    for service in ServiceKind::ALL.into_iter().filter(|s| !s.is_http()) {
        println!(
            "  {:<12} grpc 127.0.0.1:{}  metrics http://127.0.0.1:{}/metrics",
            service.name(),
            ports.port(service),
            ports.metrics_port(service)
        );
    }
    println!("  admin     {admin_email} / {admin_password}");
    println!("Press Ctrl-C to stop.");
}

async fn status() -> anyhow::Result<ExitCode> {
    let ports = PortPlan::standard(gateway_port()?);
    let mut all_healthy = true;
    for service in ServiceKind::ALL {
        let port = ports.port(service);
        match health::probe(service, port).await {
            health::Health::Healthy => {
                println!("{:<13} healthy    127.0.0.1:{port}", service.name())
            }
            health::Health::Unhealthy(reason) => {
                all_healthy = false;
                println!(
                    "{:<13} unhealthy  127.0.0.1:{port}  {reason}",
                    service.name()
                );
            }
        }
    }
    Ok(if all_healthy {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
