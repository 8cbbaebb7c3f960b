//! `shopctl`: runs rustshop locally, reports its health, loads and benchmarks it.
//!
//! The library is what the binary and the end-to-end tests share, so tests start the
//! platform exactly as `shopctl up` does.
//!
//! - [`infra`]: the test/local servers, through `scripts/infra.sh`.
//! - [`build`]: compiling the service binaries.
//! - [`ports`]: which port each service gets.
//! - [`process`]: one service process, its prefixed log stream and its stop.
//! - [`platform`]: the nine processes together: start, wait healthy, stop.
//! - [`supervisor`]: restarts services that die, with backoff.
//! - [`demo`]: the demo catalog of a fresh local shop.
//! - [`health`]: probing a service's health endpoint.
//! - [`load`]: the load generator (`shopctl load`).
//! - [`bench`]: the benchmark that writes `BENCHMARKS.md` (`shopctl bench`).

pub mod bench;
pub mod build;
pub mod demo;
pub mod health;
pub mod infra;
pub mod load;
pub mod platform;
pub mod ports;
pub mod process;
pub mod supervisor;

use std::path::PathBuf;

/// The repository root (where `Cargo.toml` of the workspace and `scripts/` are).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}
