//! `shopctl up` runs rustshop locally; `shopctl status` reports each service's health;
//! `shopctl load` generates load against a running platform; `shopctl bench` measures a
//! release build and writes `BENCHMARKS.md`.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shop_common::service::ServiceKind;
use shopctl::bench::args::BenchArgs;
use shopctl::build::{Profile, build_services};
use shopctl::health;
use shopctl::infra::InfraScript;
use shopctl::load::LoadRunner;
use shopctl::load::args::{LoadArgs, Output};
use shopctl::platform::{LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD, Platform, PlatformSpec};
use shopctl::ports::PortPlan;
use shopctl::supervisor::supervise;

#[derive(Parser)]
#[command(
    version,
    about = "Run rustshop locally, check on it, load it, benchmark it"
)]
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
    /// Generate load against a running platform (local or behind an ingress) and
    /// report throughput, latency per endpoint and failures.
    Load(Box<LoadArgs>),
    /// Build release binaries, start the platform, benchmark it and write
    /// BENCHMARKS.md. Takes a few minutes; not part of the test suite.
    Bench(BenchArgs),
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
        Command::Load(args) => until_interrupted(load(&args)).await,
        Command::Bench(args) => until_interrupted(bench(&args)).await,
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
        service_env: Vec::new(),
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

/// Runs `work` unless Ctrl-C comes first; dropping it then stops what it started (the
/// service processes are killed when dropped).
async fn until_interrupted(
    work: impl Future<Output = anyhow::Result<ExitCode>>,
) -> anyhow::Result<ExitCode> {
    tokio::select! {
        result = work => result,
        _ = tokio::signal::ctrl_c() => anyhow::bail!("interrupted"),
    }
}

async fn load(args: &LoadArgs) -> anyhow::Result<ExitCode> {
    let url = match &args.url {
        Some(url) => url.clone(),
        None => format!("http://127.0.0.1:{}/api/v1", gateway_port()?),
    };
    let runner = LoadRunner::new(&url, args.connections(), args.timeout, !args.quiet)?;
    eprintln!("==> preparing the load catalog and users at {url}");
    let fixture = runner
        .prepare(&args.setup())
        .await
        .context("cannot prepare the load")?;
    let plan = args.plan();
    eprintln!(
        "==> {} for {:?}, {}",
        plan.scenario.name(),
        plan.duration,
        plan.mode
    );
    let report = runner.run(Arc::new(fixture), &plan).await?;
    let json = serde_json::to_string_pretty(&report)?;
    if let Some(path) = &args.json {
        std::fs::write(path, format!("{json}\n"))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    match args.output {
        Output::Text => print!("{}", report.render_text()),
        Output::Json => println!("{json}"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn bench(args: &BenchArgs) -> anyhow::Result<ExitCode> {
    if cfg!(debug_assertions) && !args.quick {
        anyhow::bail!(
            "a debug build of the load generator would measure itself: \
             run `cargo run --release -p shopctl -- bench` (or add --quick for a smoke run)"
        );
    }
    let root = shopctl::repo_root();
    let output = args.output_path(&root);
    let results = shopctl::bench::run(args.options(root)).await?;
    let report = shopctl::bench::report::render(&results);
    std::fs::write(&output, &report)
        .with_context(|| format!("cannot write {}", output.display()))?;
    println!();
    for check in shopctl::bench::targets::evaluate(&results) {
        println!(
            "{:<4}  {}: {} (target {})",
            check.verdict.label(),
            check.what.replace('`', ""),
            check.measured,
            check.target
        );
    }
    println!("wrote {}", output.display());
    Ok(ExitCode::SUCCESS)
}
