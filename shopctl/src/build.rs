//! Compiling the nine service binaries with cargo.

use std::path::{Path, PathBuf};
use std::process::Command;

use shop_common::service::ServiceKind;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("cannot run cargo: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("cargo build failed ({0}); see the compiler output above")]
    Failed(std::process::ExitStatus),
}

/// Which build of the binaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Debug,
    Release,
    /// Debug binaries built with the whole workspace's test features, as
    /// `cargo test --workspace` builds them: the end-to-end tests use these, so the
    /// suite does not compile the dependency tree a second time with other features.
    TestSuite,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Debug | Profile::TestSuite => "debug",
            Profile::Release => "release",
        }
    }
}

/// Builds every service binary (progress on the terminal) and returns their folder.
pub fn build_services(repo_root: &Path, profile: Profile) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    command.current_dir(repo_root).arg("build");
    match profile {
        Profile::TestSuite => {
            command.args(["--workspace", "--tests", "--bins"]);
        }
        Profile::Debug | Profile::Release => {
            for service in ServiceKind::ALL {
                command.arg("--package").arg(service.binary());
            }
        }
    }
    if profile == Profile::Release {
        command.arg("--release");
    }
    let status = command.status().map_err(BuildError::Spawn)?;
    if !status.success() {
        return Err(BuildError::Failed(status));
    }
    Ok(target_dir(repo_root).join(profile.dir()))
}

/// `CARGO_TARGET_DIR`, or the workspace's `target/`.
pub fn target_dir(repo_root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                repo_root.join(dir)
            }
        })
        .unwrap_or_else(|| repo_root.join("target"))
}
