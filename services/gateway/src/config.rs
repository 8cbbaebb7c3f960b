//! Configuration of the gateway, from environment variables.

use std::fmt;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::time::Duration;

use axum::http::HeaderValue;
use shop_common::config::{ConfigError, Env, GrpcUrl, HumanDuration};
use shop_common::jwt::TokenVerifier;
use shop_common::service::{ServerConfig, ServiceKind};

/// Everything the gateway reads at start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `LISTEN_HOST`, `GATEWAY_PORT` (default 3000).
    pub server: ServerConfig,
    /// `<SERVICE>_GRPC_URL` of each service the gateway calls.
    pub upstreams: Upstreams,
    /// `JWT_PUBLIC_KEY`: auth's public key (SPKI PEM). When absent the gateway asks
    /// auth for it (`GetPublicKey`) in the background at start.
    pub jwt_public_key: Option<TokenVerifier>,
    /// `CORS_ALLOWED_ORIGINS`: `*` (default) or a comma-separated list of origins.
    pub cors_origins: CorsOrigins,
    /// `BODY_LIMIT`: largest accepted request body (default 1MiB).
    pub body_limit: ByteSize,
    /// `REQUEST_TIMEOUT`: longest time a request may take, upstream calls included
    /// (default 10s).
    pub request_timeout: Duration,
    /// `HTTP_THREADS`: threads serving HTTP, each with a runtime of its own (see
    /// [`crate::workers`]); default one per CPU the process may use.
    pub http_threads: NonZeroUsize,
}

/// The services behind the gateway.
#[derive(Debug, Clone)]
pub struct Upstreams {
    pub auth: GrpcUrl,
    pub users: GrpcUrl,
    pub products: GrpcUrl,
    pub cart: GrpcUrl,
    pub orders: GrpcUrl,
}

impl Upstreams {
    /// Every upstream at the default address of its service.
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        Ok(Self {
            auth: ServiceKind::Auth.client_url(env)?,
            users: ServiceKind::Users.client_url(env)?,
            products: ServiceKind::Products.client_url(env)?,
            cart: ServiceKind::Cart.client_url(env)?,
            orders: ServiceKind::Orders.client_url(env)?,
        })
    }
}

impl Config {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let jwt_public_key = env
            .optional::<String>("JWT_PUBLIC_KEY")?
            .map(|pem| {
                TokenVerifier::from_public_pem(&pem).map_err(|e| ConfigError::Invalid {
                    name: "JWT_PUBLIC_KEY".into(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        let request_timeout = env
            .or("REQUEST_TIMEOUT", HumanDuration(Duration::from_secs(10)))?
            .0;
        if request_timeout.is_zero() {
            return Err(ConfigError::Invalid {
                name: "REQUEST_TIMEOUT".into(),
                reason: "must be longer than 0s".into(),
            });
        }
        Ok(Self {
            server: ServerConfig::from_env(ServiceKind::Gateway, env)?,
            upstreams: Upstreams::from_env(env)?,
            jwt_public_key,
            cors_origins: env.or("CORS_ALLOWED_ORIGINS", CorsOrigins::Any)?,
            body_limit: env.or("BODY_LIMIT", ByteSize(1024 * 1024))?,
            request_timeout,
            http_threads: env.optional("HTTP_THREADS")?.unwrap_or_else(one_per_cpu),
        })
    }
}

/// One per CPU this process may use (cgroup quotas included), else one.
fn one_per_cpu() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// Origins allowed to call the API from a browser. Credentials are never allowed:
/// the API authenticates with a bearer token, not cookies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    Any,
    List(Vec<HeaderValue>),
}

#[derive(Debug, thiserror::Error)]
#[error(
    "expected `*` or a comma-separated list of origins such as https://shop.example.com, `{0}` is not an origin"
)]
pub struct OriginError(String);

impl FromStr for CorsOrigins {
    type Err = OriginError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.trim() == "*" {
            return Ok(CorsOrigins::Any);
        }
        raw.split(',')
            .map(str::trim)
            .map(|origin| {
                let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
                    matches!(scheme, "http" | "https") && !host.is_empty() && !host.contains('/')
                });
                valid
                    .then(|| HeaderValue::from_str(origin).ok())
                    .flatten()
                    .ok_or_else(|| OriginError(origin.to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(CorsOrigins::List)
    }
}

/// A number of bytes: `1048576`, `512KiB` or `1MiB`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub usize);

#[derive(Debug, thiserror::Error)]
#[error("expected a size such as 1048576, 512KiB or 1MiB, found `{0}`")]
pub struct ByteSizeError(String);

impl FromStr for ByteSize {
    type Err = ByteSizeError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let err = || ByteSizeError(raw.to_owned());
        let split = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (number, unit) = raw.split_at(split);
        let n: usize = number.parse().map_err(|_| err())?;
        let factor = match unit.trim() {
            "" | "B" => 1,
            "KiB" => 1024,
            "MiB" => 1024 * 1024,
            _ => return Err(err()),
        };
        n.checked_mul(factor)
            .filter(|bytes| *bytes > 0)
            .map(ByteSize)
            .ok_or_else(err)
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} bytes", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_allow_any_origin_one_mebibyte_and_ten_seconds() {
        let config = Config::from_env(&Env::from_pairs::<&str, &str>([])).unwrap();
        assert_eq!(config.cors_origins, CorsOrigins::Any);
        assert_eq!(config.body_limit, ByteSize(1024 * 1024));
        assert_eq!(config.request_timeout, Duration::from_secs(10));
        assert!(config.jwt_public_key.is_none());
    }

    #[test]
    fn origins_are_a_list_of_scheme_and_host() {
        let origins: CorsOrigins = "https://shop.example.com, http://localhost:5173"
            .parse()
            .unwrap();
        assert_eq!(
            origins,
            CorsOrigins::List(vec![
                HeaderValue::from_static("https://shop.example.com"),
                HeaderValue::from_static("http://localhost:5173"),
            ])
        );
        for bad in [
            "shop.example.com",
            "https://shop.example.com/path",
            "ftp://x",
        ] {
            assert!(bad.parse::<CorsOrigins>().is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_read_with_binary_units() {
        assert_eq!("512KiB".parse::<ByteSize>().unwrap(), ByteSize(512 * 1024));
        assert_eq!(
            "2MiB".parse::<ByteSize>().unwrap(),
            ByteSize(2 * 1024 * 1024)
        );
        assert_eq!("100".parse::<ByteSize>().unwrap(), ByteSize(100));
        for bad in ["", "0", "1GB", "MiB", "-1"] {
            assert!(bad.parse::<ByteSize>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_bad_public_key_is_named() {
        let env = Env::from_pairs([("JWT_PUBLIC_KEY", "not a key")]);
        let error = Config::from_env(&env).unwrap_err().to_string();
        assert!(error.starts_with("JWT_PUBLIC_KEY is invalid"), "{error}");
    }
}
