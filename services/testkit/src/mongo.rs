//! A MongoDB database per test.
//!
//! Runs against whatever `MONGODB_URI` names: the nx-27017 server of
//! `scripts/infra.sh` by default, or a real MongoDB.

use mongodb::{Client, Database};

use crate::infra::{Infra, host_port, not_running, require_listening};

pub struct TestMongo {
    pub uri: String,
    /// The database name to configure the service under test with.
    pub database: String,
    pub client: Client,
}

impl TestMongo {
    pub fn db(&self) -> Database {
        self.client.database(&self.database)
    }
}

pub async fn mongo() -> TestMongo {
    let uri = Infra::get().mongo_uri.clone();
    require_listening("MongoDB", &host_port(&uri)).await;
    let client = match Client::with_uri_str(&uri).await {
        Ok(client) => client,
        Err(error) => not_running("MongoDB", &uri, &error),
    };
    drop_stale_databases(&client).await;
    TestMongo {
        uri,
        database: crate::dated_name(),
        client,
    }
}

/// Drops the databases of earlier test runs (once per test process; best effort).
async fn drop_stale_databases(client: &Client) {
    static ONCE: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    ONCE.get_or_init(|| async {
        let names = client.list_database_names().await.unwrap_or_default();
        for name in names.into_iter().filter(|n| crate::is_stale(n)) {
            let _ = client.database(&name).drop().await;
        }
    })
    .await;
}
