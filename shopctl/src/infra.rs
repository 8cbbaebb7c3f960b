//! The servers the platform needs (PostgreSQL, Redis, MongoDB protocol, Kafka
//! protocol), installed and started by `scripts/infra.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum InfraError {
    #[error("cannot run {script}: {source}")]
    Spawn {
        script: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`scripts/infra.sh {command}` failed ({status}); see the messages above")]
    Failed {
        command: String,
        status: std::process::ExitStatus,
    },
}

/// `scripts/infra.sh` of a checkout.
pub struct InfraScript {
    script: PathBuf,
}

impl InfraScript {
    pub fn new(repo_root: &Path) -> Self {
        Self {
            script: repo_root.join("scripts").join("infra.sh"),
        }
    }

    /// Installs what is missing and starts what is not running (idempotent). Its
    /// progress goes to the terminal.
    pub fn start(&self) -> Result<(), InfraError> {
        self.start_only(&[])
    }

    /// [`Self::start`] for the named servers only (`postgres`, `redis`, `mongo`,
    /// `kafka`); all of them when `servers` is empty.
    pub fn start_only(&self, servers: &[&str]) -> Result<(), InfraError> {
        let args: Vec<&str> = ["start"]
            .into_iter()
            .chain(servers.iter().copied())
            .collect();
        let status = self
            .command(&args)
            .status()
            .map_err(|source| self.spawn_error(source))?;
        Self::check(&args, status)
    }

    /// The connection variables (`USERS_DATABASE_URL`, `KAFKA_BROKERS`, ...).
    pub fn env(&self) -> Result<Vec<(String, String)>, InfraError> {
        Ok(parse_exports(&self.output(&["env"])?))
    }

    /// The program of `server` that the script installed (`kafka`: tansu).
    pub fn binary(&self, server: &str) -> Result<PathBuf, InfraError> {
        Ok(PathBuf::from(self.output(&["bin", server])?.trim()))
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("bash");
        command.arg(&self.script).args(args);
        command
    }

    /// What the script printed for `args`, once it succeeded.
    fn output(&self, args: &[&str]) -> Result<String, InfraError> {
        let output = self
            .command(args)
            .output()
            .map_err(|source| self.spawn_error(source))?;
        Self::check(args, output.status)?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn check(args: &[&str], status: std::process::ExitStatus) -> Result<(), InfraError> {
        if status.success() {
            return Ok(());
        }
        Err(InfraError::Failed {
            command: args.join(" "),
            status,
        })
    }

    fn spawn_error(&self, source: std::io::Error) -> InfraError {
        InfraError::Spawn {
            script: self.script.clone(),
            source,
        }
    }
}

/// Reads `export NAME=value` lines (values may be single- or double-quoted).
pub fn parse_exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix("export "))
        .filter_map(|assignment| assignment.split_once('='))
        .map(|(name, value)| {
            let value = value.trim();
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            (name.trim().to_owned(), unquoted.to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_names_its_programs_and_refuses_unknown_ones() {
        let infra = InfraScript::new(&crate::repo_root());
        let tansu = infra.binary("kafka").unwrap();
        assert!(tansu.ends_with("tools/bin/tansu"), "{}", tansu.display());
        assert!(matches!(
            infra.binary("postgres"),
            Err(InfraError::Failed { command, .. }) if command == "bin postgres"
        ));
        let env = infra.env().unwrap();
        assert!(
            env.iter().any(|(name, _)| name == "KAFKA_BROKERS"),
            "{env:?}"
        );
    }

    #[test]
    fn exports_are_read_with_or_without_quotes() {
        let text = "export A=1\nexport B=\"x y\"\n# comment\nexport C='z'\nnoise\n";
        assert_eq!(
            parse_exports(text),
            vec![
                ("A".to_owned(), "1".to_owned()),
                ("B".to_owned(), "x y".to_owned()),
                ("C".to_owned(), "z".to_owned()),
            ]
        );
    }
}
