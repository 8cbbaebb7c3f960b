//! Typed configuration from environment variables.
//!
//! Every service reads its settings through [`Env`], so a missing or malformed variable
//! stops the service at start with a message that names the variable and says what to
//! do. Values are never echoed back: URLs carry passwords.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// A configuration error: always names the variable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name} is not set ({needed_for})")]
    Missing {
        name: String,
        needed_for: &'static str,
    },
    #[error("{name} is invalid: {reason}")]
    Invalid { name: String, reason: String },
}

/// Where variables come from: the process environment, or a fixed map in tests.
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    /// The process environment at this moment.
    pub fn from_process() -> Self {
        Self {
            vars: std::env::vars().collect(),
        }
    }

    /// A fixed set of variables (tests, tools).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    fn raw(&self, name: &str) -> Option<&str> {
        // An empty variable is treated as unset, as shells and manifests often produce them.
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// A variable that must be set; `needed_for` tells the operator why.
    pub fn required<T>(&self, name: &str, needed_for: &'static str) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.optional(name)? {
            Some(value) => Ok(value),
            None => Err(ConfigError::Missing {
                name: name.to_owned(),
                needed_for,
            }),
        }
    }

    /// A variable that may be absent.
    pub fn optional<T>(&self, name: &str) -> Result<Option<T>, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.raw(name)
            .map(|raw| {
                raw.trim().parse::<T>().map_err(|e| ConfigError::Invalid {
                    name: name.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }

    /// A variable with a default when absent (a malformed value is still an error).
    pub fn or<T>(&self, name: &str, default: T) -> Result<T, ConfigError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        Ok(self.optional(name)?.unwrap_or(default))
    }
}

/// Why a URL-like value was refused.
#[derive(Debug, thiserror::Error)]
pub enum UrlError {
    #[error("not a URL ({0})")]
    Parse(#[from] url::ParseError),
    #[error("scheme must be one of {expected}, found `{found}`")]
    Scheme {
        expected: &'static str,
        found: String,
    },
    #[error("the URL has no host")]
    NoHost,
}

fn parse_url(
    raw: &str,
    schemes: &[&'static str],
    expected: &'static str,
) -> Result<url::Url, UrlError> {
    let url = url::Url::parse(raw)?;
    if !schemes.contains(&url.scheme()) {
        return Err(UrlError::Scheme {
            expected,
            found: url.scheme().to_owned(),
        });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(UrlError::NoHost);
    }
    Ok(url)
}

macro_rules! url_type {
    ($(#[$doc:meta])* $name:ident, [$($scheme:literal),+]) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = UrlError;
            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                const SCHEMES: &[&str] = &[$($scheme),+];
                parse_url(raw, SCHEMES, concat!($($scheme, "://", " "),+))?;
                Ok(Self(raw.to_owned()))
            }
        }

        // Debug hides credentials: configs are logged at start.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match url::Url::parse(&self.0) {
                    Ok(mut url) => {
                        if url.password().is_some() {
                            let _ = url.set_password(Some("***"));
                        }
                        write!(f, "{}", url)
                    }
                    Err(_) => f.write_str("<invalid>"),
                }
            }
        }
    };
}

url_type!(
    /// A PostgreSQL connection URL (`postgres://user:pass@host:port/db`).
    PostgresUrl,
    ["postgres", "postgresql"]
);
url_type!(
    /// A Redis URL (`redis://host:port[/db]`).
    RedisUrl,
    ["redis", "rediss"]
);
url_type!(
    /// A MongoDB connection string.
    MongoUri,
    ["mongodb", "mongodb+srv"]
);
url_type!(
    /// The address of a gRPC service (`http://host:port`).
    GrpcUrl,
    ["http", "https"]
);

/// Kafka bootstrap servers: a comma-separated list of `host:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaBrokers(String);

impl KafkaBrokers {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BrokersError {
    #[error("expected a comma-separated list of host:port, `{0}` is not host:port")]
    NotHostPort(String),
}

impl FromStr for KafkaBrokers {
    type Err = BrokersError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        for broker in raw.split(',').map(str::trim) {
            let valid = broker
                .rsplit_once(':')
                .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
            if !valid {
                return Err(BrokersError::NotHostPort(broker.to_owned()));
            }
        }
        Ok(Self(
            raw.split(',').map(str::trim).collect::<Vec<_>>().join(","),
        ))
    }
}

/// A secret value (password, key): shown as `***` in logs and debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Ok(Self(raw.to_owned()))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A duration written as `<number><unit>` with unit `ms`, `s`, `m`, `h` or `d`
/// (`30s`, `1h`, `7d`), as in Kubernetes manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub std::time::Duration);

#[derive(Debug, thiserror::Error)]
#[error("expected a duration such as 500ms, 30s, 15m, 1h or 7d, found `{0}`")]
pub struct DurationError(String);

impl FromStr for HumanDuration {
    type Err = DurationError;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let err = || DurationError(raw.to_owned());
        let split = raw.find(|c: char| !c.is_ascii_digit()).ok_or_else(err)?;
        let (number, unit) = raw.split_at(split);
        let n: u64 = number.parse().map_err(|_| err())?;
        let millis = match unit {
            "ms" => n,
            "s" => n * 1_000,
            "m" => n * 60_000,
            "h" => n * 3_600_000,
            "d" => n * 86_400_000,
            _ => return Err(err()),
        };
        Ok(Self(std::time::Duration::from_millis(millis)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_variable_is_named_with_its_purpose() {
        let env = Env::from_pairs::<&str, &str>([]);
        let err = env
            .required::<PostgresUrl>("USERS_DATABASE_URL", "the users database")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "USERS_DATABASE_URL is not set (the users database)"
        );
    }

    #[test]
    fn malformed_variable_is_named_without_echoing_it() {
        let env = Env::from_pairs([("USERS_DATABASE_URL", "mysql://root:secret@db/users")]);
        let err = env
            .required::<PostgresUrl>("USERS_DATABASE_URL", "the users database")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("USERS_DATABASE_URL is invalid: scheme must be"),
            "{err}"
        );
        assert!(!err.contains("secret"), "{err}");
    }

    #[test]
    fn empty_variable_counts_as_unset() {
        let env = Env::from_pairs([("GRPC_PORT", "  ")]);
        assert_eq!(env.or("GRPC_PORT", 50051u16).unwrap(), 50051);
    }

    #[test]
    fn malformed_number_is_an_error_even_with_a_default() {
        let env = Env::from_pairs([("GRPC_PORT", "http")]);
        let err = env.or("GRPC_PORT", 50051u16).unwrap_err().to_string();
        assert!(err.starts_with("GRPC_PORT is invalid"), "{err}");
    }

    #[test]
    fn debug_of_a_url_hides_the_password() {
        let url: PostgresUrl = "postgres://shop:hunter2@db:5432/users".parse().unwrap();
        let shown = format!("{url:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("db:5432/users"), "{shown}");
    }

    #[test]
    fn kafka_brokers_need_host_and_port() {
        assert!("a:9092, b:9093".parse::<KafkaBrokers>().is_ok());
        assert_eq!(
            "a:9092, b:9093".parse::<KafkaBrokers>().unwrap().as_str(),
            "a:9092,b:9093"
        );
        assert!("a:9092,b".parse::<KafkaBrokers>().is_err());
        assert!(":9092".parse::<KafkaBrokers>().is_err());
    }

    #[test]
    fn durations_read_like_manifests() {
        use std::time::Duration;
        assert_eq!(
            "1h".parse::<HumanDuration>().unwrap().0,
            Duration::from_secs(3600)
        );
        assert_eq!(
            "250ms".parse::<HumanDuration>().unwrap().0,
            Duration::from_millis(250)
        );
        assert_eq!(
            "7d".parse::<HumanDuration>().unwrap().0,
            Duration::from_secs(7 * 86400)
        );
        assert!("1 hour".parse::<HumanDuration>().is_err());
        assert!("h".parse::<HumanDuration>().is_err());
    }
}
