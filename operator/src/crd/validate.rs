//! Checks of a Shop spec before anything is built from it. The API server enforces the
//! same rules through the CRD schema; these catch Shops stored under an older CRD and
//! give the reason in the Shop's conditions.

use std::fmt;

use kube::core::Rule;
use shop_common::config::HumanDuration;
use shop_common::service::ServiceKind;

use super::{Dependency, ShopSpec};

/// Variables the operator sets on service containers; a Shop cannot override them.
pub fn reserved_env_names() -> Vec<String> {
    let fixed = [
        "LISTEN_HOST",
        "GRPC_PORT",
        "GATEWAY_PORT",
        "METRICS_PORT",
        "USERS_DATABASE_URL",
        "PRODUCTS_DATABASE_URL",
        "ORDERS_DATABASE_URL",
        "REDIS_URL",
        "MONGODB_URI",
        "MONGODB_DATABASE",
        "KAFKA_BROKERS",
        "KAFKA_TOPIC_PREFIX",
        "SHOP_ADMIN_EMAIL",
        "SHOP_ADMIN_PASSWORD",
        "TOKEN_TTL",
        "JWT_PRIVATE_KEY",
        "JWT_PUBLIC_KEY",
        "LOG_FORMAT",
        // Read from Secrets and expanded into the URLs above.
        "POSTGRES_PASSWORD",
        "MONGODB_PASSWORD",
        "REDIS_PASSWORD",
    ];
    let urls = ServiceKind::ALL.iter().map(|s| s.url_variable());
    fixed.iter().map(|s| (*s).to_owned()).chain(urls).collect()
}

/// The CEL rule refusing reserved names in `services.<name>.env`.
pub fn reserved_env_rule() -> Rule {
    let names: Vec<String> = reserved_env_names()
        .iter()
        .map(|n| format!("'{n}'"))
        .collect();
    Rule::new(format!("self.all(e, !(e.name in [{}]))", names.join(", ")))
        .message("env may not set a variable the operator manages (ports, addresses, credentials)")
}

/// Most variables a service may be given, and longest name: bounds that keep the
/// estimated cost of the rule above within what the API server accepts (an unbounded
/// list of unbounded strings makes it refuse the whole CRD).
pub const MAX_ENV_VARS: u64 = 64;
pub const MAX_ENV_NAME_LENGTH: u64 = 256;

/// Adds [`MAX_ENV_VARS`] and [`MAX_ENV_NAME_LENGTH`] to the schema of an env list, and
/// drops the nested descriptions (see [`without_nested_descriptions`]).
pub fn bound_env_schema(schema: &mut schemars::Schema) {
    without_nested_descriptions(schema);
    schema.insert("maxItems".into(), MAX_ENV_VARS.into());
    let name = schema
        .get_mut("items")
        .and_then(|items| items.get_mut("properties"))
        .and_then(|properties| properties.get_mut("name"))
        .and_then(|name| name.as_object_mut());
    if let Some(name) = name {
        name.insert("maxLength".into(), MAX_ENV_NAME_LENGTH.into());
    }
}

/// Removes the descriptions inside an embedded Kubernetes type (EnvVar,
/// ResourceRequirements, Condition), keeping the field's own: they repeat the Kubernetes
/// reference many times over and would bloat the CRD past what `kubectl apply` stores.
pub fn without_nested_descriptions(schema: &mut schemars::Schema) {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                map.remove("description");
                map.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    if let Some(map) = schema.as_object_mut() {
        for (key, value) in map.iter_mut() {
            if key != "description" {
                strip(value);
            }
        }
    }
}

/// One thing wrong with a spec: the field and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub reason: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spec.{}: {}", self.field, self.reason)
    }
}

/// Every violation of the spec, empty when the spec is valid.
pub fn validate(spec: &ShopSpec) -> Vec<Violation> {
    let mut found = Vec::new();
    let mut violation = |field: String, reason: &str| {
        found.push(Violation {
            field,
            reason: reason.to_owned(),
        })
    };
    if spec.auth.token_ttl.parse::<HumanDuration>().is_err() {
        violation(
            "auth.tokenTtl".into(),
            "expected a duration such as 15m, 1h or 7d",
        );
    }
    if spec.ingress.tls_secret_name.is_some() && spec.ingress.host.is_none() {
        violation(
            "ingress.tlsSecretName".into(),
            "needs ingress.host: a certificate is for a host name",
        );
    }
    let infra = &spec.infrastructure;
    let dependencies = [
        ("postgres", &infra.postgres),
        ("mongodb", &infra.mongodb),
        ("redis", &infra.redis),
        ("kafka", &infra.kafka),
    ];
    for (name, dependency) in dependencies {
        if !exactly_one(dependency) {
            violation(
                format!("infrastructure.{name}"),
                "set exactly one of managed or external",
            );
        }
    }
    let reserved = reserved_env_names();
    for kind in ServiceKind::ALL {
        let service = spec.services.get(kind);
        if service.env.len() as u64 > MAX_ENV_VARS {
            violation(
                format!("services.{kind}.env"),
                &format!("at most {MAX_ENV_VARS} variables"),
            );
        }
        if service.replicas < 0 {
            violation(format!("services.{kind}.replicas"), "must not be negative");
        }
        for var in &service.env {
            if reserved.contains(&var.name) {
                violation(
                    format!("services.{kind}.env"),
                    &format!(
                        "{} is set by the operator and cannot be overridden",
                        var.name
                    ),
                );
            }
        }
    }
    found
}

fn exactly_one(dependency: &Dependency) -> bool {
    dependency.managed.is_some() != dependency.external.is_some()
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::EnvVar;

    use super::*;

    fn env(name: &str) -> EnvVar {
        EnvVar {
            name: name.into(),
            value: Some("x".into()),
            ..EnvVar::default()
        }
    }

    #[test]
    fn default_spec_is_valid() {
        let spec: ShopSpec = serde_json::from_str("{}").unwrap();
        assert_eq!(validate(&spec), vec![]);
    }

    #[test]
    fn overriding_a_managed_variable_is_refused() {
        let mut spec: ShopSpec = serde_json::from_str("{}").unwrap();
        spec.services.orders.env = vec![env("RUST_LOG"), env("KAFKA_BROKERS")];
        let found = validate(&spec);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "services.orders.env");
        assert!(found[0].reason.contains("KAFKA_BROKERS"));
    }

    #[test]
    fn a_dependency_both_managed_and_external_is_refused() {
        let mut spec: ShopSpec = serde_json::from_str("{}").unwrap();
        spec.infrastructure.kafka.external = Dependency::external("brokers").external;
        let found = validate(&spec);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field, "infrastructure.kafka");
    }

    #[test]
    fn unparsable_token_ttl_and_tls_without_host_are_refused() {
        let mut spec: ShopSpec = serde_json::from_str("{}").unwrap();
        spec.auth.token_ttl = "forever".into();
        spec.ingress.tls_secret_name = Some("cert".into());
        let fields: Vec<String> = validate(&spec).into_iter().map(|v| v.field).collect();
        assert_eq!(fields, ["auth.tokenTtl", "ingress.tlsSecretName"]);
    }

    #[test]
    fn reserved_rule_lists_every_service_address() {
        let rule = serde_json::to_string(&reserved_env_rule()).unwrap();
        for kind in ServiceKind::ALL {
            assert!(rule.contains(&kind.url_variable()), "{kind} missing");
        }
    }
}
