//! The environment of each service: plain settings (its ConfigMap) and the variables that
//! carry or embed credentials (env entries reading Secrets).
//!
//! Connection URLs of managed databases embed the password through Kubernetes'
//! `$(VAR)` expansion of an earlier variable read from the Secret: the URL exists only in
//! the container's environment, never in a manifest, and follows the Secret.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
use shop_common::service::ServiceKind;

use super::infra::dependency;
use super::names::{self, Infra};
use super::secrets::{JWT_PRIVATE_KEY, JWT_PUBLIC_KEY};
use super::{ShopRef, wiring};

/// Application user of the managed PostgreSQL (the chart's `auth.username`).
const POSTGRES_USER: &str = "rustshop";
/// Application user and database of the managed MongoDB (the chart's defaults).
const MONGODB_USER: &str = "cart";
const MONGODB_DATABASE: &str = "cart";

/// The ConfigMap data of a service: every setting that is not a secret.
pub fn config_data(shop: &ShopRef<'_>, kind: ServiceKind) -> BTreeMap<String, String> {
    let mut data = BTreeMap::new();
    let mut set = |name: &str, value: String| data.insert(name.to_owned(), value);
    set("LISTEN_HOST", "0.0.0.0".to_owned());
    set(kind.port_variable(), kind.default_port().to_string());
    if !kind.is_http() {
        set("METRICS_PORT", kind.default_metrics_port().to_string());
    }
    set("LOG_FORMAT", "json".to_owned());
    set("RUST_LOG", shop.spec.log_level.clone());
    for callee in wiring::calls(kind) {
        set(&callee.url_variable(), shop.service_url(*callee));
    }
    if kind == ServiceKind::Auth {
        set("TOKEN_TTL", shop.spec.auth.token_ttl.clone());
    }
    if kind == ServiceKind::Cart {
        set("MONGODB_DATABASE", MONGODB_DATABASE.to_owned());
    }
    if wiring::uses(kind).contains(&Infra::Kafka) && shop.is_managed(Infra::Kafka) {
        let host = host(shop, Infra::Kafka);
        set("KAFKA_BROKERS", format!("{host}:{}", Infra::Kafka.port()));
    }
    data
}

/// The env entries of a service that read Secrets, in dependency order (a variable
/// expanded by `$(VAR)` comes after `VAR`).
pub fn secret_env(shop: &ShopRef<'_>, kind: ServiceKind) -> Vec<EnvVar> {
    let mut env = Vec::new();
    for infra in wiring::uses(kind) {
        let external = dependency(shop.spec, *infra).external.as_ref();
        let variables = match infra {
            Infra::Postgres => wiring::postgres_database(kind)
                .map(|(_, v)| v)
                .into_iter()
                .collect(),
            Infra::Mongodb => vec!["MONGODB_URI"],
            Infra::Redis => vec!["REDIS_URL"],
            // Managed brokers need no secret: their address is in the ConfigMap.
            Infra::Kafka if external.is_some() => vec!["KAFKA_BROKERS"],
            Infra::Kafka => vec![],
        };
        match external {
            Some(external) => env.extend(
                variables
                    .into_iter()
                    .map(|v| from_secret(v, &external.secret_name, v)),
            ),
            None => env.extend(managed_connection(shop, kind, *infra)),
        }
    }
    if kind == ServiceKind::Auth {
        let admin = shop
            .spec
            .auth
            .admin_secret_ref
            .clone()
            .unwrap_or_else(|| names::admin_secret(&shop.name));
        env.push(from_secret("SHOP_ADMIN_EMAIL", &admin, "email"));
        env.push(from_secret("SHOP_ADMIN_PASSWORD", &admin, "password"));
        let jwt = names::jwt_secret(&shop.name);
        env.push(from_secret("JWT_PRIVATE_KEY", &jwt, JWT_PRIVATE_KEY));
        env.push(from_secret("JWT_PUBLIC_KEY", &jwt, JWT_PUBLIC_KEY));
    }
    if kind == ServiceKind::Gateway {
        let jwt = names::jwt_secret(&shop.name);
        env.push(from_secret("JWT_PUBLIC_KEY", &jwt, JWT_PUBLIC_KEY));
    }
    env
}

/// The password variable and the URL embedding it, for a managed database.
fn managed_connection(shop: &ShopRef<'_>, kind: ServiceKind, infra: Infra) -> Vec<EnvVar> {
    let secret = infra.release(&shop.name);
    let host = host(shop, infra);
    let port = infra.port();
    match infra {
        Infra::Postgres => {
            let Some((database, variable)) = wiring::postgres_database(kind) else {
                return Vec::new();
            };
            vec![
                from_secret("POSTGRES_PASSWORD", &secret, "password"),
                plain(
                    variable,
                    format!(
                        "postgres://{POSTGRES_USER}:$(POSTGRES_PASSWORD)@{host}:{port}/{database}"
                    ),
                ),
            ]
        }
        Infra::Mongodb => vec![
            from_secret("MONGODB_PASSWORD", &secret, "password"),
            plain(
                "MONGODB_URI",
                format!(
                    "mongodb://{MONGODB_USER}:$(MONGODB_PASSWORD)@{host}:{port}/{MONGODB_DATABASE}?authSource={MONGODB_DATABASE}"
                ),
            ),
        ],
        Infra::Redis => vec![
            from_secret("REDIS_PASSWORD", &secret, "password"),
            plain(
                "REDIS_URL",
                format!("redis://:$(REDIS_PASSWORD)@{host}:{port}/0"),
            ),
        ],
        Infra::Kafka => Vec::new(),
    }
}

/// The in-cluster DNS name of a managed dependency's Service.
fn host(shop: &ShopRef<'_>, infra: Infra) -> String {
    format!("{}.{}.svc", infra.release(&shop.name), shop.namespace)
}

fn plain(name: &str, value: String) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: Some(value),
        value_from: None,
    }
}

fn from_secret(name: &str, secret: &str, key: &str) -> EnvVar {
    EnvVar {
        name: name.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.to_owned(),
                key: key.to_owned(),
                optional: None,
            }),
            ..EnvVarSource::default()
        }),
    }
}
