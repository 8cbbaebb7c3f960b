//! What the scenarios need before the clock starts: a catalog of their own with
//! plenty of stock (so `buy` orders confirm), and virtual users, each logged in once.
//!
//! Both are found again on the next run instead of being created anew: the catalog by
//! its tag word, the users by their e-mails. Stock that ran low is topped up.

use std::collections::HashMap;

use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::client::{Call, Endpoint, ShopClient};
use super::stats::Failure;

/// The word every product of the load catalog has in its name, to find them again.
const CATALOG_TAG: &str = "Loadgen";
/// What the load catalog sells; each twice (`... 01`, `... 02`).
const ITEMS: [(&str, &str); 10] = [
    ("Espresso Cup", "Double-walled glass espresso cup"),
    ("Desk Lamp", "Dimmable LED desk lamp"),
    (
        "Mechanical Keyboard",
        "Tenkeyless keyboard with tactile switches",
    ),
    ("Hiking Backpack", "Thirty litre backpack with rain cover"),
    ("Tea Kettle", "Stainless steel kettle for loose tea"),
    ("Wool Scarf", "Merino wool scarf, charcoal"),
    ("Chess Set", "Wooden chess set with folding board"),
    ("Water Bottle", "Insulated water bottle, 750 ml"),
    ("Notebook", "Dotted notebook with lay-flat binding"),
    ("Headphones", "Closed-back studio headphones"),
];
const COPIES: usize = 2;
/// Words that match the load catalog, for the search scenario.
pub const SEARCH_TERMS: [&str; 5] = ["espresso", "lamp", "keyboard", "backpack", "kettle"];
/// Stock of every load product: a long `buy` run never empties it.
const STOCK: i64 = 1_000_000;
/// Below this the stock is topped up to [`STOCK`] again.
const LOW_STOCK: i64 = 100_000;
/// The password of every virtual user.
const USER_PASSWORD: &str = "Loadgen-user-pass-1";
/// Parallel requests while registering and logging in the virtual users.
const SETUP_PARALLELISM: usize = 8;

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error(
        "cannot log in as the admin {email} (answer: {failure}); set --admin-email/--admin-password"
    )]
    AdminLogin { email: String, failure: Failure },
    #[error("the login of {email} answered no access token")]
    NoToken { email: String },
    #[error("cannot prepare the load catalog: {what} failed ({failure})")]
    Catalog {
        what: &'static str,
        failure: Failure,
    },
    #[error("cannot prepare the virtual user {email}: {what} failed ({failure})")]
    User {
        email: String,
        what: &'static str,
        failure: Failure,
    },
}

/// A registered, logged-in virtual user.
#[derive(Debug, Clone)]
pub struct VirtualUser {
    pub email: String,
    pub token: String,
}

impl VirtualUser {
    pub fn password(&self) -> &'static str {
        USER_PASSWORD
    }
}

/// The catalog and users the scenarios use.
#[derive(Debug, Clone, Default)]
pub struct Fixture {
    /// Ids of the load catalog's products.
    pub products: Vec<String>,
    pub users: Vec<VirtualUser>,
}

/// What to prepare.
#[derive(Debug, Clone)]
pub struct Setup {
    pub admin_email: String,
    pub admin_password: String,
    /// Virtual users (0 for scenarios that do not log in).
    pub users: usize,
}

/// Finds or creates the load catalog and the virtual users.
pub async fn prepare(client: &ShopClient, setup: &Setup) -> Result<Fixture, FixtureError> {
    let admin = login(client, &setup.admin_email, &setup.admin_password)
        .await
        .map_err(|failure| match failure {
            LoginFailure::Refused(failure) => FixtureError::AdminLogin {
                email: setup.admin_email.clone(),
                failure,
            },
            LoginFailure::NoToken => FixtureError::NoToken {
                email: setup.admin_email.clone(),
            },
        })?;
    let products = catalog(client, &admin).await?;
    let users = futures::stream::iter(0..setup.users)
        .map(|index| virtual_user(client, index))
        .buffered(SETUP_PARALLELISM)
        .try_collect()
        .await?;
    Ok(Fixture { products, users })
}

/// The names of the load catalog's products.
fn catalog_names() -> impl Iterator<Item = (String, &'static str)> {
    (1..=COPIES).flat_map(|copy| {
        ITEMS.iter().map(move |(item, description)| {
            (format!("{CATALOG_TAG} {item} {copy:02}"), *description)
        })
    })
}

async fn catalog(client: &ShopClient, admin: &str) -> Result<Vec<String>, FixtureError> {
    let existing = existing_products(client).await?;
    let mut ids = Vec::new();
    for (name, description) in catalog_names() {
        let id = match existing.get(&name) {
            Some((id, stock)) => {
                if *stock < LOW_STOCK {
                    let call = Call::new(Endpoint::UpdateProduct, format!("/products/{id}"))
                        .token(admin)
                        .json(json!({"stock": STOCK}));
                    client
                        .send(call)
                        .await
                        .map_err(|failure| FixtureError::Catalog {
                            what: "topping up stock",
                            failure,
                        })?;
                }
                id.clone()
            }
            None => create_product(client, admin, &name, description).await?,
        };
        ids.push(id);
    }
    Ok(ids)
}

/// Load products already there: name → (id, stock).
async fn existing_products(
    client: &ShopClient,
) -> Result<HashMap<String, (String, i64)>, FixtureError> {
    let path = format!(
        "/products/search?q={}&page=1&limit=100",
        CATALOG_TAG.to_lowercase()
    );
    let call = Call::new(Endpoint::SearchProducts, path).decoded();
    let reply = client
        .send(call)
        .await
        .map_err(|failure| FixtureError::Catalog {
            what: "searching for the catalog",
            failure,
        })?;
    let listed = reply
        .json
        .as_ref()
        .and_then(|body| body.pointer("/data/data"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok(listed
        .iter()
        .filter_map(|product| {
            let name = product["name"].as_str()?;
            let id = product["id"].as_str()?;
            let stock = product["stock"].as_i64()?;
            name.starts_with(CATALOG_TAG)
                .then(|| (name.to_owned(), (id.to_owned(), stock)))
        })
        .collect())
}

async fn create_product(
    client: &ShopClient,
    admin: &str,
    name: &str,
    description: &str,
) -> Result<String, FixtureError> {
    let body = json!({"name": name, "description": description, "price": 9.99, "stock": STOCK});
    let call = Call::new(Endpoint::CreateProduct, "/products")
        .token(admin)
        .json(body)
        .decoded();
    let reply = client
        .send(call)
        .await
        .map_err(|failure| FixtureError::Catalog {
            what: "creating a product",
            failure,
        })?;
    reply
        .data_str("/id")
        .map(str::to_owned)
        .ok_or(FixtureError::Catalog {
            what: "creating a product",
            failure: Failure::Transport,
        })
}

/// Registers virtual user `index` unless it exists, and logs it in.
async fn virtual_user(client: &ShopClient, index: usize) -> Result<VirtualUser, FixtureError> {
    let email = format!("loadgen-{index:05}@loadgen.test");
    let body =
        json!({"name": format!("Loadgen user {index}"), "email": email, "password": USER_PASSWORD});
    match client
        .send(Call::new(Endpoint::Register, "/auth/register").json(body))
        .await
    {
        Ok(_) | Err(Failure::Status(409)) => {}
        Err(failure) => {
            return Err(FixtureError::User {
                email,
                what: "registering",
                failure,
            });
        }
    }
    match login(client, &email, USER_PASSWORD).await {
        Ok(token) => Ok(VirtualUser { email, token }),
        Err(LoginFailure::Refused(failure)) => Err(FixtureError::User {
            email,
            what: "logging in",
            failure,
        }),
        Err(LoginFailure::NoToken) => Err(FixtureError::NoToken { email }),
    }
}

enum LoginFailure {
    Refused(Failure),
    NoToken,
}

/// Logs in and returns the access token.
async fn login(client: &ShopClient, email: &str, password: &str) -> Result<String, LoginFailure> {
    let call = Call::new(Endpoint::Login, "/auth/login")
        .json(json!({"email": email, "password": password}))
        .decoded();
    let reply = client.send(call).await.map_err(LoginFailure::Refused)?;
    reply
        .data_str("/accessToken")
        .map(str::to_owned)
        .ok_or(LoginFailure::NoToken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_has_distinct_tagged_names() {
        let names: Vec<String> = catalog_names().map(|(name, _)| name).collect();
        assert_eq!(names.len(), ITEMS.len() * COPIES);
        let distinct: std::collections::HashSet<_> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
        assert!(names.iter().all(|name| name.starts_with("Loadgen ")));
    }

    #[test]
    fn every_search_term_matches_the_catalog() {
        for term in SEARCH_TERMS {
            assert!(
                catalog_names().any(|(name, _)| name.to_lowercase().contains(term)),
                "{term}"
            );
        }
    }
}
