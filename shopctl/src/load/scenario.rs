//! What one iteration of each scenario does.
//!
//! An iteration is one request for the read scenarios, and add to cart + checkout for
//! `buy` (the order is then followed by [`OrderWatch`]). The first request of an
//! iteration is timed from the instant the iteration was scheduled (open loop) or
//! started (closed loop); later ones from when they were sent.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use serde::Serialize;
use serde_json::json;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::client::{Call, Endpoint, Reply, ShopClient, Target};
use super::confirm::{Accepted, OrderWatch};
use super::fixture::{Fixture, SEARCH_TERMS};
use super::stats::Recorder;

/// A kind of traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Anonymous browsing: 60 % product pages, 20 % list pages, 20 % searches.
    Browse,
    /// Logged-in virtual users: add to cart, checkout, follow the order until confirmed.
    Buy,
    /// 90 % browse, 10 % buy.
    Mixed,
    /// `GET /products/:id` only (cached by products).
    Product,
    /// `GET /products?page=1&limit=10` only.
    List,
    /// `GET /products/search?q=...` only.
    Search,
    /// `POST /auth/login` only, round robin over the virtual users.
    Login,
}

impl Scenario {
    /// Whether it needs logged-in virtual users.
    pub fn needs_users(self) -> bool {
        matches!(self, Scenario::Buy | Scenario::Mixed | Scenario::Login)
    }

    /// Whether it places orders.
    pub fn buys(self) -> bool {
        matches!(self, Scenario::Buy | Scenario::Mixed)
    }

    pub fn name(self) -> &'static str {
        match self {
            Scenario::Browse => "browse",
            Scenario::Buy => "buy",
            Scenario::Mixed => "mixed",
            Scenario::Product => "product",
            Scenario::List => "list",
            Scenario::Search => "search",
            Scenario::Login => "login",
        }
    }
}

/// Which read `browse` does for iteration `n`: 6 in 10 product pages, 2 list pages,
/// 2 searches, interleaved.
fn browse_endpoint(n: u64) -> Endpoint {
    match n % 10 {
        0 | 2 | 4 | 6 | 7 | 9 => Endpoint::GetProduct,
        1 | 5 => Endpoint::ListProducts,
        _ => Endpoint::SearchProducts,
    }
}

/// Whether `mixed` buys in iteration `n` (1 in 10).
fn mixed_buys(n: u64) -> bool {
    n % 10 == 3
}

/// The URLs iterations call, parsed once.
struct Targets {
    products: Vec<Target>,
    /// Pages 1, 2, 3 of `GET /products?limit=10`.
    lists: Vec<Target>,
    searches: Vec<Target>,
    login: Target,
    add_to_cart: Target,
    checkout: Target,
}

impl Targets {
    fn new(client: &ShopClient, fixture: &Fixture) -> Self {
        let target = |path: String| client.target(path);
        Self {
            products: fixture
                .products
                .iter()
                .map(|id| target(format!("/products/{id}")))
                .collect(),
            lists: (1..=3)
                .map(|page| target(format!("/products?page={page}&limit=10")))
                .collect(),
            searches: SEARCH_TERMS
                .iter()
                .map(|term| target(format!("/products/search?q={term}&page=1&limit=10")))
                .collect(),
            login: target("/auth/login".to_owned()),
            add_to_cart: target("/cart/add".to_owned()),
            checkout: target("/orders/checkout".to_owned()),
        }
    }
}

/// The `n`-th item of `items`, round robin (none if empty).
fn round_robin<T>(items: &[T], n: u64) -> Option<&T> {
    items.get(usize::try_from(n).unwrap_or(0) % items.len().max(1))
}

/// Everything an iteration needs, shared by all of them.
pub struct Iterations {
    client: ShopClient,
    targets: Targets,
    recorder: Arc<Recorder>,
    fixture: Arc<Fixture>,
    users: UserPool,
    orders: Arc<OrderWatch>,
    scenario: Scenario,
    counter: AtomicU64,
}

impl Iterations {
    pub fn new(
        client: ShopClient,
        recorder: Arc<Recorder>,
        fixture: Arc<Fixture>,
        orders: Arc<OrderWatch>,
        scenario: Scenario,
    ) -> Self {
        Self {
            users: UserPool::new(fixture.users.len()),
            targets: Targets::new(&client, &fixture),
            client,
            recorder,
            fixture,
            orders,
            scenario,
            counter: AtomicU64::new(0),
        }
    }

    /// Runs the next iteration, timed from `since`.
    pub async fn run(&self, since: Instant) {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        match self.scenario {
            Scenario::Browse => self.read(browse_endpoint(n), n, since).await,
            Scenario::Mixed if !mixed_buys(n) => self.read(browse_endpoint(n), n, since).await,
            Scenario::Buy | Scenario::Mixed => self.buy(n, since).await,
            Scenario::Product => self.read(Endpoint::GetProduct, n, since).await,
            Scenario::List => self.read(Endpoint::ListProducts, n, since).await,
            Scenario::Search => self.read(Endpoint::SearchProducts, n, since).await,
            Scenario::Login => self.login(n, since).await,
        }
    }

    /// Sends the call and records its outcome; the reply when it succeeded.
    async fn call(&self, call: Call<'_>, since: Instant) -> Option<Reply> {
        let endpoint = call.endpoint;
        match self.client.send(call).await {
            Ok(reply) => {
                self.recorder.success(endpoint, since.elapsed());
                Some(reply)
            }
            Err(failure) => {
                self.recorder.failure(endpoint, failure);
                None
            }
        }
    }

    fn product_id(&self, n: u64) -> &str {
        round_robin(&self.fixture.products, n).map_or("", String::as_str)
    }

    async fn read(&self, endpoint: Endpoint, n: u64, since: Instant) {
        let targets = &self.targets;
        let target = match endpoint {
            Endpoint::ListProducts if self.scenario == Scenario::Browse => {
                round_robin(&targets.lists, n / 10)
            }
            Endpoint::ListProducts => targets.lists.first(),
            Endpoint::SearchProducts => round_robin(&targets.searches, n / 10),
            _ => round_robin(&targets.products, n),
        };
        if let Some(target) = target {
            self.call(Call::new(endpoint, target.clone()), since).await;
        }
    }

    async fn login(&self, n: u64, since: Instant) {
        let Some(user) = round_robin(&self.fixture.users, n) else {
            return;
        };
        let body = json!({"email": user.email, "password": user.password()});
        let call = Call::new(Endpoint::Login, self.targets.login.clone()).json(body);
        self.call(call, since).await;
    }

    /// Add to cart and checkout as a free virtual user (one iteration per user at a
    /// time: they share nothing but their cart would), then follow the order.
    async fn buy(&self, n: u64, since: Instant) {
        let Some(lease) = self.users.take().await else {
            return;
        };
        let Some(user) = self.fixture.users.get(lease.index) else {
            return;
        };
        let add = Call::new(Endpoint::AddToCart, self.targets.add_to_cart.clone())
            .token(&user.token)
            .json(json!({"productId": self.product_id(n), "quantity": 1}));
        if self.call(add, since).await.is_none() {
            return;
        }
        let checkout = Call::new(Endpoint::Checkout, self.targets.checkout.clone())
            .token(&user.token)
            .decoded();
        let reply = self.call(checkout, Instant::now()).await;
        let answered = Instant::now();
        let token = user.token.clone();
        drop(lease);
        let Some(reply) = reply else {
            return;
        };
        if let Some(id) = reply.data_str("/id") {
            let accepted = Accepted {
                answered,
                created_at: reply.data_time("/createdAt"),
            };
            self.orders.follow(id.to_owned(), token, accepted);
        }
    }
}

/// The virtual users not busy in an iteration.
struct UserPool {
    size: usize,
    free: Mutex<Vec<usize>>,
    available: Semaphore,
}

impl UserPool {
    fn new(size: usize) -> Self {
        Self {
            size,
            free: Mutex::new((0..size).rev().collect()),
            available: Semaphore::new(size),
        }
    }

    /// Waits for a free user (none when there are no users at all).
    async fn take(&self) -> Option<Lease<'_>> {
        if self.size == 0 {
            return None;
        }
        let permit = self.available.acquire().await.ok()?;
        let index = self.lock().pop()?;
        Some(Lease {
            pool: self,
            index,
            _permit: permit,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<usize>> {
        self.free.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A virtual user taken from the pool; given back when dropped.
struct Lease<'a> {
    pool: &'a UserPool,
    index: usize,
    _permit: SemaphorePermit<'a>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        // Back in the list before the permit is released (fields drop after this).
        self.pool.lock().push(self.index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browse_mixes_six_products_two_lists_two_searches_per_ten() {
        let endpoints: Vec<_> = (0..10).map(browse_endpoint).collect();
        let count = |e| endpoints.iter().filter(|x| **x == e).count();
        assert_eq!(count(Endpoint::GetProduct), 6);
        assert_eq!(count(Endpoint::ListProducts), 2);
        assert_eq!(count(Endpoint::SearchProducts), 2);
    }

    #[test]
    fn round_robin_cycles_through_the_items() {
        let items = ["a", "b", "c"];
        let picked: Vec<_> = (0..5).filter_map(|n| round_robin(&items, n)).collect();
        assert_eq!(picked, [&"a", &"b", &"c", &"a", &"b"]);
        assert_eq!(round_robin::<&str>(&[], 7), None);
    }

    #[test]
    fn mixed_buys_once_in_ten() {
        assert_eq!((0..100).filter(|n| mixed_buys(*n)).count(), 10);
    }

    #[tokio::test]
    async fn a_user_is_lent_to_one_iteration_at_a_time() {
        let pool = UserPool::new(2);
        let first = pool.take().await.expect("a free user");
        let second = pool.take().await.expect("another free user");
        assert_ne!(first.index, second.index);
        assert!(pool.available.try_acquire().is_err(), "both users are busy");
        let index = first.index;
        drop(first);
        let again = pool.take().await.expect("the user given back");
        assert_eq!(again.index, index);
    }

    #[tokio::test]
    async fn an_empty_pool_lends_nothing() {
        assert!(UserPool::new(0).take().await.is_none());
    }
}
