//! Secrets the operator generates: database credentials, the Kafka cluster id, the JWT key
//! pair and the bootstrap admin. They are random, so `apply` creates them once and never
//! updates them.
//!
//! Credentials of managed databases are not owned by the Shop when its deletion policy is
//! `Retain`: they stay with the retained volumes, whose databases were initialised with
//! them, so that a Shop of the same name finds its data again.

use std::collections::BTreeMap;

use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{EncodePrivateKey, EncodePublicKey};
use k8s_openapi::api::core::v1::Secret;
use rand::distr::{Alphanumeric, SampleString};

use super::ShopRef;
use super::names::{self, Infra};
use crate::crd::DeletionPolicy;

/// Keys of the JWT Secret.
pub const JWT_PRIVATE_KEY: &str = "private-key.pem";
pub const JWT_PUBLIC_KEY: &str = "public-key.pem";
/// E-mail of a generated bootstrap admin.
pub const GENERATED_ADMIN_EMAIL: &str = "admin@rustshop.local";

/// Where random values come from: [`RandomSecrets`] in production, a fixed sequence in
/// tests so that built objects are stable.
pub trait SecretSource {
    /// A password of URL-safe characters (it is put into connection URLs as is).
    fn password(&mut self) -> String;
    /// A KRaft cluster id: 16 bytes, base64url without padding.
    fn kafka_cluster_id(&mut self) -> String;
    /// A fresh Ed25519 key pair as PKCS#8 PEM: (private, public).
    fn ed25519_pem(&mut self) -> (String, String);
}

/// Secrets from the thread's cryptographically secure generator.
#[derive(Debug, Default)]
pub struct RandomSecrets;

impl SecretSource for RandomSecrets {
    fn password(&mut self) -> String {
        Alphanumeric.sample_string(&mut rand::rng(), 32)
    }

    fn kafka_cluster_id(&mut self) -> String {
        // 21 random characters and one whose low bits are zero: 16 bytes exactly.
        format!("{}A", Alphanumeric.sample_string(&mut rand::rng(), 21))
    }

    fn ed25519_pem(&mut self) -> (String, String) {
        let key = SigningKey::from_bytes(&rand::random());
        // Encoding a valid key into PEM cannot fail; an empty value would be refused
        // by the services at start, loudly.
        let private = key
            .to_pkcs8_pem(LineEnding::LF)
            .map(|pem| pem.to_string())
            .unwrap_or_default();
        let public = key
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap_or_default();
        (private, public)
    }
}

/// Every Secret the operator generates for the Shop.
pub fn generated(shop: &ShopRef<'_>, source: &mut dyn SecretSource) -> Vec<Secret> {
    let mut secrets: Vec<Secret> = Infra::ALL
        .into_iter()
        .filter(|infra| shop.is_managed(*infra))
        .map(|infra| credentials(shop, infra, source))
        .collect();
    let (private, public) = source.ed25519_pem();
    secrets.push(secret(
        shop,
        names::jwt_secret(&shop.name),
        true,
        [(JWT_PRIVATE_KEY, private), (JWT_PUBLIC_KEY, public)],
    ));
    if shop.spec.auth.admin_secret_ref.is_none() {
        secrets.push(secret(
            shop,
            names::admin_secret(&shop.name),
            true,
            [
                ("email", GENERATED_ADMIN_EMAIL.to_owned()),
                ("password", source.password()),
            ],
        ));
    }
    secrets
}

/// The Secret a chart reads through `auth.existingSecret`, with the keys it expects.
fn credentials(shop: &ShopRef<'_>, infra: Infra, source: &mut dyn SecretSource) -> Secret {
    let owned = shop.spec.infrastructure.deletion_policy == DeletionPolicy::Delete;
    let name = infra.release(&shop.name);
    match infra {
        Infra::Postgres => secret(
            shop,
            name,
            owned,
            [
                ("postgres-password", source.password()),
                ("password", source.password()),
            ],
        ),
        Infra::Mongodb => secret(
            shop,
            name,
            owned,
            [
                ("root-password", source.password()),
                ("password", source.password()),
            ],
        ),
        Infra::Redis => secret(shop, name, owned, [("password", source.password())]),
        Infra::Kafka => secret(
            shop,
            name,
            owned,
            [("cluster-id", source.kafka_cluster_id())],
        ),
    }
}

fn secret<const N: usize>(
    shop: &ShopRef<'_>,
    name: String,
    owned: bool,
    data: [(&str, String); N],
) -> Secret {
    let labels = names::shop_labels(&shop.name);
    let metadata = if owned {
        shop.owned_meta(name, labels)
    } else {
        shop.unowned_meta(name, labels)
    };
    Secret {
        metadata,
        type_: Some("Opaque".to_owned()),
        string_data: Some(
            data.into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect::<BTreeMap<_, _>>(),
        ),
        ..Secret::default()
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey};

    use super::*;

    #[test]
    fn generated_key_pair_is_a_matching_ed25519_pair() {
        let (private, public) = RandomSecrets.ed25519_pem();
        let key = SigningKey::from_pkcs8_pem(&private).unwrap();
        let verifying = ed25519_dalek::VerifyingKey::from_public_key_pem(&public).unwrap();
        assert_eq!(key.verifying_key(), verifying);
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"));
    }

    #[test]
    fn kafka_cluster_id_decodes_to_sixteen_bytes() {
        let id = RandomSecrets.kafka_cluster_id();
        assert_eq!(id.len(), 22);
        // The last character carries 2 of the 128 bits and 4 zero bits.
        assert!(id.ends_with('A'));
    }

    #[test]
    fn passwords_are_long_and_url_safe() {
        let password = RandomSecrets.password();
        assert_eq!(password.len(), 32);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
