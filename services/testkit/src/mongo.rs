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
    TestMongo {
        uri,
        database: crate::unique_name("test"),
        client,
    }
}
