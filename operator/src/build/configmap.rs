//! The ConfigMap of a service: its plain settings, loaded with `envFrom`.

use k8s_openapi::api::core::v1::ConfigMap;
use shop_common::service::ServiceKind;

use super::{ShopRef, env, names};

pub fn build(shop: &ShopRef<'_>, kind: ServiceKind) -> ConfigMap {
    ConfigMap {
        metadata: shop.owned_meta(
            names::service_object(&shop.name, kind),
            names::service_labels(&shop.name, kind, &shop.spec.version),
        ),
        data: Some(env::config_data(shop, kind)),
        ..ConfigMap::default()
    }
}

/// A stable digest of the ConfigMap's data (FNV-1a), put on the pod template so that a
/// change of settings rolls the pods (env from a ConfigMap is read at start only).
pub fn digest(config: &ConfigMap) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (key, value) in config.data.iter().flatten() {
        for byte in key.bytes().chain([0]).chain(value.bytes()).chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
