//! Who talks to whom: the services each service calls over gRPC and the infrastructure it
//! uses. Environment variables and NetworkPolicies both follow from it.

use shop_common::service::ServiceKind;

use super::names::Infra;

/// The services `kind` calls over gRPC.
pub fn calls(kind: ServiceKind) -> &'static [ServiceKind] {
    use ServiceKind::*;
    match kind {
        Gateway => &[Auth, Users, Products, Cart, Orders],
        Auth => &[Users],
        Orders | Stock => &[Products],
        Users | Products | Cart | Shipping | Notification => &[],
    }
}

/// The services that call `kind`.
pub fn callers(kind: ServiceKind) -> Vec<ServiceKind> {
    ServiceKind::ALL
        .into_iter()
        .filter(|caller| calls(*caller).contains(&kind))
        .collect()
}

/// The infrastructure `kind` connects to.
pub fn uses(kind: ServiceKind) -> &'static [Infra] {
    use ServiceKind::*;
    match kind {
        Users => &[Infra::Postgres],
        Products => &[Infra::Postgres, Infra::Redis],
        Cart => &[Infra::Mongodb],
        Orders => &[Infra::Postgres, Infra::Kafka],
        Stock | Shipping | Notification => &[Infra::Kafka],
        Gateway | Auth => &[],
    }
}

/// The services connecting to `infra`.
pub fn users_of(infra: Infra) -> Vec<ServiceKind> {
    ServiceKind::ALL
        .into_iter()
        .filter(|kind| uses(*kind).contains(&infra))
        .collect()
}

/// The database (and the variable naming its URL) of a PostgreSQL service.
pub fn postgres_database(kind: ServiceKind) -> Option<(&'static str, &'static str)> {
    match kind {
        ServiceKind::Users => Some(("users", "USERS_DATABASE_URL")),
        ServiceKind::Products => Some(("products", "PRODUCTS_DATABASE_URL")),
        ServiceKind::Orders => Some(("orders", "ORDERS_DATABASE_URL")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_is_called_by_auth_and_the_gateway() {
        assert_eq!(
            callers(ServiceKind::Users),
            [ServiceKind::Auth, ServiceKind::Gateway]
        );
    }

    #[test]
    fn every_postgres_user_has_a_database() {
        for kind in users_of(Infra::Postgres) {
            assert!(postgres_database(kind).is_some(), "{kind}");
        }
    }
}
