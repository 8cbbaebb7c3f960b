//! A fresh PostgreSQL database per test.

use shop_common::postgres::admin::{DatabaseName, create_database, drop_database};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgPool, PgPoolOptions};

use crate::infra::{Infra, host_port, not_running, require_listening};

/// A database created for one test. It is left behind when the test ends: the test
/// server is throwaway (`scripts/infra.sh reset` removes everything).
pub struct TestDatabase {
    pub name: String,
    /// The URL a service under test is configured with.
    pub url: String,
    pub pool: PgPool,
}

/// A new empty database with `migrator`'s migrations applied.
pub async fn database(migrator: &Migrator) -> TestDatabase {
    let db = empty_database().await;
    if let Err(error) = migrator.run(&db.pool).await {
        panic!("migrations failed on {}: {error}", db.name);
    }
    db
}

/// A new empty database.
pub async fn empty_database() -> TestDatabase {
    let admin_url = &Infra::get().pg_admin_url;
    require_listening("PostgreSQL", &host_port(admin_url)).await;
    let admin = match PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await
    {
        Ok(pool) => pool,
        Err(error) => not_running("PostgreSQL", admin_url, &error),
    };
    drop_stale_databases(&admin).await;
    let name = crate::dated_name();
    let database = DatabaseName::new(name.as_str()).expect("a dated name is a database name");
    if let Err(error) = create_database(&admin, &database).await {
        panic!("cannot create test database {name}: {error}");
    }
    admin.close().await;

    let mut url = url::Url::parse(admin_url).expect("SHOP_PG_ADMIN_URL is a URL");
    url.set_path(&name);
    let url = url.to_string();
    let pool = PgPoolOptions::new()
        .max_connections(10)
        .connect(&url)
        .await
        .unwrap_or_else(|error| panic!("cannot connect to {name}: {error}"));
    TestDatabase { name, url, pool }
}

/// Drops the databases of earlier test runs (once per test process; best effort).
async fn drop_stale_databases(admin: &PgPool) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'test\\_%'")
                .fetch_all(admin)
                .await
                .unwrap_or_default();
        let stale = names.into_iter().filter(|n| crate::is_stale(n));
        for database in stale.filter_map(DatabaseName::new) {
            let _ = drop_database(admin, &database).await;
        }
    })
    .await;
}
