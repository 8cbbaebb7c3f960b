//! What every service binary does around its `run`: logging, configuration, the
//! runtime, signals, and an exit code that tells a supervisor what happened.

use std::error::Error;
use std::future::Future;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, Env};
use crate::service::ServiceKind;

/// Exit code for a configuration error, distinct from a failure while running.
pub const EXIT_CONFIG: u8 = 2;

/// Runs a service binary: reads its config from the environment (a bad variable stops
/// it with a message naming the variable, exit code 2), then runs it until SIGTERM or
/// Ctrl-C (exit code 0) or a fatal error (exit code 1, with the cause chain logged).
pub fn main<C, E, Fut>(
    service: ServiceKind,
    load: impl FnOnce(&Env) -> Result<C, ConfigError>,
    run: impl FnOnce(C, CancellationToken) -> Fut,
) -> ExitCode
where
    Fut: Future<Output = Result<(), E>>,
    E: Error,
{
    crate::telemetry::init_logging();
    let config = match load(&Env::from_process()) {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(service = service.name(), error = %error, "invalid configuration");
            eprintln!("{}: {error}", service.binary());
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!(
                "{}: cannot start the async runtime: {error}",
                service.binary()
            );
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        tracing::info!(
            service = service.name(),
            version = env!("CARGO_PKG_VERSION"),
            "starting"
        );
        run(config, crate::shutdown::on_signal()).await
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let chain = error_chain(&error);
            tracing::error!(service = service.name(), error = %chain, "fatal error");
            eprintln!("{}: {chain}", service.binary());
            ExitCode::FAILURE
        }
    }
}

/// `outer: inner: root cause`.
pub fn error_chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
