//! PostgreSQL databases of the run's own, created before the platform starts and
//! dropped after it stopped: a run neither reads nor vacuums what earlier runs left.
//! (The local `orders` database had grown to 169k orders over a day of runs, and one
//! second of a `buy` run, spent in autoanalyze of `orders`, `order_items` and
//! `outbox`, decided its p99.)

use shop_common::postgres::admin::{DatabaseName, create_database, drop_database};
use sqlx::{Connection, PgConnection};
use url::Url;

use super::BenchError;

/// The services' database variables the run replaces.
const DATABASE_VARIABLES: [&str; 3] = [
    "USERS_DATABASE_URL",
    "PRODUCTS_DATABASE_URL",
    "ORDERS_DATABASE_URL",
];
/// The variable `scripts/infra.sh env` names the server's administrative database in.
const ADMIN_URL: &str = "SHOP_PG_ADMIN_URL";

/// The databases of one run.
pub struct RunDatabases {
    admin_url: String,
    names: Vec<DatabaseName>,
}

impl RunDatabases {
    /// Creates `<run>_users`, `<run>_products` and `<run>_orders` and points `env`'s
    /// database URLs at them.
    pub async fn create(env: &mut [(String, String)], run: &str) -> Result<Self, BenchError> {
        let admin_url = value_of(env, ADMIN_URL)?;
        let mut admin = connect(&admin_url).await?;
        let mut names = Vec::new();
        for (name, value) in env.iter_mut() {
            if !DATABASE_VARIABLES.contains(&name.as_str()) {
                continue;
            }
            let (url, database) = renamed(value, run)?;
            create_database(&mut admin, &database).await.map_err(|e| {
                BenchError::Databases(format!("cannot create {}: {e}", database.as_str()))
            })?;
            names.push(database);
            *value = url;
        }
        Ok(Self { admin_url, names })
    }

    /// Drops the run's databases; what cannot be dropped is reported and left.
    pub async fn drop_all(self) {
        let mut admin = match connect(&self.admin_url).await {
            Ok(admin) => admin,
            Err(error) => return eprintln!("cannot drop the run's databases: {error}"),
        };
        for database in &self.names {
            if let Err(error) = drop_database(&mut admin, database).await {
                eprintln!("cannot drop {}: {error}", database.as_str());
            }
        }
    }
}

fn value_of(env: &[(String, String)], variable: &str) -> Result<String, BenchError> {
    env.iter()
        .find(|(name, _)| name == variable)
        .map(|(_, value)| value.clone())
        .ok_or_else(|| BenchError::Databases(format!("`scripts/infra.sh env` set no {variable}")))
}

async fn connect(url: &str) -> Result<PgConnection, BenchError> {
    PgConnection::connect(url)
        .await
        .map_err(|e| BenchError::Databases(format!("cannot reach PostgreSQL: {e}")))
}

/// `url` with its database `<db>` renamed `<run>_<db>`, and that name (letters,
/// digits and `_` only, or an error).
fn renamed(url: &str, run: &str) -> Result<(String, DatabaseName), BenchError> {
    // Not echoing the URL: it may carry a password.
    let invalid = || {
        BenchError::Databases(format!(
            "cannot name a database of run {run} after a database URL of `scripts/infra.sh env`"
        ))
    };
    let mut parsed = Url::parse(url).map_err(|_| invalid())?;
    let database = parsed.path().trim_start_matches('/');
    if database.is_empty() {
        return Err(invalid());
    }
    let renamed = DatabaseName::new(format!("{run}_{database}")).ok_or_else(invalid)?;
    parsed.set_path(renamed.as_str());
    Ok((parsed.into(), renamed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_renamed_for_the_run() {
        let (url, name) = renamed(
            "postgres://postgres@127.0.0.1:55432/orders",
            "bench1795000000",
        )
        .unwrap();
        assert_eq!(
            url,
            "postgres://postgres@127.0.0.1:55432/bench1795000000_orders"
        );
        assert_eq!(name.as_str(), "bench1795000000_orders");
    }

    #[test]
    fn a_url_without_a_plain_database_name_is_refused() {
        assert!(renamed("postgres://postgres@127.0.0.1:55432/", "run").is_err());
        assert!(renamed("postgres://postgres@127.0.0.1:55432/a\"b", "run").is_err());
        assert!(renamed("not a url", "run").is_err());
        assert!(renamed("postgres://postgres@127.0.0.1:55432/orders", "a-run").is_err());
    }
}
