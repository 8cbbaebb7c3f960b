//! Names and labels of everything the operator creates for a Shop, and the infrastructure
//! catalogue (which chart, which port).

use std::collections::BTreeMap;

use shop_common::service::ServiceKind;

/// Label carried by every object built for a Shop: its name. Pruning selects by it.
pub const SHOP_LABEL: &str = "rustshop.io/shop";
/// `app.kubernetes.io/managed-by` value of every object the operator applies.
pub const MANAGER: &str = "shop-operator";

/// Object labels: a name → value map, ordered so manifests are stable.
pub type Labels = BTreeMap<String, String>;

/// A piece of infrastructure the services depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Infra {
    Postgres,
    Mongodb,
    Redis,
    Kafka,
}

impl Infra {
    pub const ALL: [Infra; 4] = [Infra::Postgres, Infra::Mongodb, Infra::Redis, Infra::Kafka];

    /// The folder under `charts/`, also the `app.kubernetes.io/name` of its pods.
    pub fn chart(self) -> &'static str {
        match self {
            Infra::Postgres => "postgresql",
            Infra::Mongodb => "mongodb",
            Infra::Redis => "redis",
            Infra::Kafka => "kafka",
        }
    }

    /// The name of the field in `spec.infrastructure`.
    pub fn field(self) -> &'static str {
        match self {
            Infra::Postgres => "postgres",
            Infra::Mongodb => "mongodb",
            Infra::Redis => "redis",
            Infra::Kafka => "kafka",
        }
    }

    /// The port of the chart's Service.
    pub fn port(self) -> i32 {
        match self {
            Infra::Postgres => 5432,
            Infra::Mongodb => 27017,
            Infra::Redis => 6379,
            Infra::Kafka => 9092,
        }
    }

    /// Release name, which the charts use for every object: `<shop>-postgresql`. The
    /// Service of the release and its credentials Secret have this name too.
    pub fn release(self, shop: &str) -> String {
        format!("{shop}-{}", self.chart())
    }

    /// Labels selecting the pods of the release (as set by the chart).
    pub fn pod_selector(self, shop: &str) -> Labels {
        Labels::from([
            ("app.kubernetes.io/name".to_owned(), self.chart().to_owned()),
            ("app.kubernetes.io/instance".to_owned(), self.release(shop)),
        ])
    }
}

/// Name of the Deployment, Service, ConfigMap, PDB and NetworkPolicy of a service.
pub fn service_object(shop: &str, kind: ServiceKind) -> String {
    format!("{shop}-{}", kind.name())
}

/// Secret holding the JWT key pair.
pub fn jwt_secret(shop: &str) -> String {
    format!("{shop}-jwt")
}

/// Secret holding the bootstrap admin generated when the Shop names none.
pub fn admin_secret(shop: &str) -> String {
    format!("{shop}-admin")
}

/// Labels every object built for the Shop carries.
pub fn shop_labels(shop: &str) -> Labels {
    Labels::from([
        (SHOP_LABEL.to_owned(), shop.to_owned()),
        (
            "app.kubernetes.io/managed-by".to_owned(),
            MANAGER.to_owned(),
        ),
        (
            "app.kubernetes.io/part-of".to_owned(),
            "rustshop".to_owned(),
        ),
    ])
}

/// Labels selecting the pods of one service.
pub fn service_selector(shop: &str, kind: ServiceKind) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_owned(), kind.name().to_owned()),
        ("app.kubernetes.io/instance".to_owned(), shop.to_owned()),
    ])
}

/// Labels of every object of one service: the Shop's, its selector and its version.
pub fn service_labels(shop: &str, kind: ServiceKind, version: &str) -> Labels {
    let mut labels = shop_labels(shop);
    labels.extend(service_selector(shop, kind));
    labels.insert("app.kubernetes.io/version".to_owned(), version.to_owned());
    labels.insert(
        "app.kubernetes.io/component".to_owned(),
        "service".to_owned(),
    );
    labels
}
