//! Configuration of the auth service, from environment variables.

use std::path::PathBuf;
use std::time::Duration;

use shop_common::config::{ConfigError, Env, GrpcUrl, HumanDuration, Secret};
use shop_common::password::{Argon2Config, check_strength};
use shop_common::service::{ServerConfig, ServiceKind};

use crate::keys::KeySource;
use crate::throttle::ThrottlePolicy;

/// Everything the auth service reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GRPC_PORT`, `METRICS_PORT`.
    pub server: ServerConfig,
    /// `USERS_GRPC_URL`: the users service (default http://127.0.0.1:50052)
    pub users_url: GrpcUrl,
    /// `TOKEN_TTL`: lifetime of access tokens (default 1h)
    pub token_ttl: HumanDuration,
    /// `SHOP_ADMIN_EMAIL`: e-mail of the bootstrap SUPER_ADMIN
    pub admin_email: String,
    /// `SHOP_ADMIN_PASSWORD`: its password (must meet the password policy)
    pub admin_password: Secret,
    /// `JWT_PRIVATE_KEY` + `JWT_PUBLIC_KEY`, `JWT_PRIVATE_KEY_FILE`, or a development
    /// key in `${SHOP_STATE_DIR:-.shop}/auth/jwt-ed25519.pem`
    pub keys: KeySource,
    /// `LOGIN_MAX_FAILURES`, `LOGIN_FAILURE_WINDOW`, `LOGIN_LOCKOUT`,
    /// `LOGIN_THROTTLE_CAPACITY`
    pub throttle: ThrottlePolicy,
    /// `ARGON2_*`: the cost of the decoy hash verified for unknown e-mails; set it as
    /// for users, so an unknown e-mail takes as long as a wrong password
    pub argon2: Argon2Config,
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let admin_password: Secret =
            env.required("SHOP_ADMIN_PASSWORD", "needed to create the first admin")?;
        check_strength(admin_password.expose()).map_err(|weak| ConfigError::Invalid {
            name: "SHOP_ADMIN_PASSWORD".into(),
            reason: weak.to_string(),
        })?;
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Auth, env)?,
            users_url: ServiceKind::Users.client_url(env)?,
            token_ttl: env.or("TOKEN_TTL", HumanDuration(Duration::from_secs(3600)))?,
            admin_email: env.required("SHOP_ADMIN_EMAIL", "needed to create the first admin")?,
            admin_password,
            keys: key_source(env)?,
            throttle: throttle_policy(env)?,
            argon2: Argon2Config::from_env(env)?,
        })
    }
}

fn key_source(env: &Env) -> Result<KeySource, ConfigError> {
    let private: Option<Secret> = env.optional("JWT_PRIVATE_KEY")?;
    let file: Option<PathBuf> = env.optional("JWT_PRIVATE_KEY_FILE")?;
    let public: Option<String> = env.optional("JWT_PUBLIC_KEY")?;
    match (private, file) {
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            name: "JWT_PRIVATE_KEY_FILE".into(),
            reason: "set either JWT_PRIVATE_KEY or JWT_PRIVATE_KEY_FILE, not both".into(),
        }),
        (Some(private), None) => Ok(KeySource::Pem {
            private: private_pem(&private),
            public: public.map(|pem| unescape_newlines(&pem)),
        }),
        (None, Some(path)) => Ok(KeySource::File(path)),
        (None, None) => Ok(KeySource::Generated {
            state_dir: env.or("SHOP_STATE_DIR", PathBuf::from(".shop"))?,
        }),
    }
}

/// PEM text squeezed onto one line (`\n` escapes, as in `.env` files) made whole.
fn unescape_newlines(pem: &str) -> String {
    if pem.contains('\n') {
        pem.to_owned()
    } else {
        pem.replace("\\n", "\n")
    }
}

/// `JWT_PRIVATE_KEY` as a secret, with escaped newlines made whole.
fn private_pem(raw: &Secret) -> Secret {
    let Ok(secret) = unescape_newlines(raw.expose()).parse();
    secret
}

fn throttle_policy(env: &Env) -> Result<ThrottlePolicy, ConfigError> {
    let defaults = ThrottlePolicy::default();
    let max_failures: u32 = env.or("LOGIN_MAX_FAILURES", defaults.max_failures)?;
    if max_failures == 0 {
        return Err(ConfigError::Invalid {
            name: "LOGIN_MAX_FAILURES".into(),
            reason: "must be at least 1".into(),
        });
    }
    Ok(ThrottlePolicy {
        max_failures,
        window: env
            .or("LOGIN_FAILURE_WINDOW", HumanDuration(defaults.window))?
            .0,
        lockout: env.or("LOGIN_LOCKOUT", HumanDuration(defaults.lockout))?.0,
        capacity: env.or("LOGIN_THROTTLE_CAPACITY", defaults.capacity)?.max(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(extra: &[(&str, &str)]) -> Env {
        let mut pairs = vec![
            ("SHOP_ADMIN_EMAIL", "admin@rustshop.local"),
            ("SHOP_ADMIN_PASSWORD", "Rustshop-admin-1"),
        ];
        pairs.extend_from_slice(extra);
        Env::from_pairs(pairs)
    }

    #[test]
    fn defaults_generate_a_key_in_the_state_folder() {
        let config = Config::from_env(&env(&[])).unwrap();
        assert!(matches!(
            config.keys,
            KeySource::Generated { ref state_dir } if state_dir == &PathBuf::from(".shop")
        ));
        assert_eq!(config.throttle, ThrottlePolicy::default());
    }

    #[test]
    fn weak_admin_password_stops_the_start() {
        let error = Config::from_env(&env(&[("SHOP_ADMIN_PASSWORD", "admin")]))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("SHOP_ADMIN_PASSWORD is invalid: must have"),
            "{error}"
        );
        assert!(
            !error.contains("admin,"),
            "never echoes the password: {error}"
        );
    }

    #[test]
    fn key_text_and_key_file_exclude_each_other() {
        let both = env(&[("JWT_PRIVATE_KEY", "x"), ("JWT_PRIVATE_KEY_FILE", "/k.pem")]);
        assert!(Config::from_env(&both).is_err());
    }

    #[test]
    fn one_line_pem_is_unescaped() {
        let config =
            Config::from_env(&env(&[("JWT_PRIVATE_KEY", "-----BEGIN-----\\nabc")])).unwrap();
        let KeySource::Pem { private, .. } = config.keys else {
            panic!("expected a PEM key source");
        };
        assert_eq!(private.expose(), "-----BEGIN-----\nabc");
    }

    #[test]
    fn throttling_reads_its_variables() {
        let config = Config::from_env(&env(&[
            ("LOGIN_MAX_FAILURES", "3"),
            ("LOGIN_FAILURE_WINDOW", "1m"),
            ("LOGIN_LOCKOUT", "2s"),
        ]))
        .unwrap();
        assert_eq!(config.throttle.max_failures, 3);
        assert_eq!(config.throttle.window, Duration::from_secs(60));
        assert_eq!(config.throttle.lockout, Duration::from_secs(2));
        assert!(Config::from_env(&env(&[("LOGIN_MAX_FAILURES", "0")])).is_err());
    }
}
