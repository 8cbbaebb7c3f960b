//! The Redis cache in front of the catalog (cache-aside).
//!
//! Keys, under the configured prefix:
//! - `product:<id>`: one product, as JSON.
//! - `list:gen`: the listing generation, incremented by every write that changes what
//!   listings show.
//! - `list:<gen>:<listing>`: one page of a listing or a search, as JSON. Writes never
//!   look for pages to delete: bumping the generation makes every older page
//!   unreachable in O(1), and those pages expire with their TTL.
//!
//! In front of Redis, each replica keeps what it read in the last second or so in
//! memory ([`near`]): most reads of a popular product or page then cost no round trip.
//!
//! Redis is only an optimisation. Every failure is logged (at most every few seconds),
//! counted in `products_cache_errors_total` and treated as a miss, and every call has a
//! short timeout, so a dead Redis slows nothing down and never fails a request.

mod lookup;
mod near;
mod warnings;

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::io::tcp::TcpSettings;
use redis::{IntoConnectionInfo, RedisResult};
use serde::Serialize;
use serde::de::DeserializeOwned;
use shop_common::config::RedisUrl;

use crate::domain::listing::ProductPage;
use crate::domain::product::{Product, ProductId};
pub use lookup::{BatchLookup, Generation, Lookup};
use lookup::{count, hit, miss};
use near::{Epoch, NearCache};
use warnings::Warnings;

/// Fills entries only if the listing generation is still the one read before the
/// database query. A write commits, then bumps the generation, then deletes its
/// products' entries; so a fill computed from data older than the write is either
/// refused here or deleted afterwards, never left behind.
///
/// KEYS: the generation key, then the entry keys; ARGV: the generation, the TTL in
/// milliseconds, then one value per entry key.
const FILL_IF_CURRENT: &str = r"
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then
  return 0
end
for i = 2, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'PX', ARGV[2])
end
return #KEYS - 1
";

/// How the cache behaves.
#[derive(Debug, Clone)]
pub struct CacheSettings {
    /// Prefix of every key (`products:`), so several services or tests share a Redis.
    pub prefix: String,
    /// Lifetime of an entry.
    pub ttl: Duration,
    /// Longest wait for any Redis call (connecting included).
    pub timeout: Duration,
    /// Lifetime of an entry in this process's memory; zero turns that layer off.
    pub near_ttl: Duration,
}

/// The cache: one multiplexed connection, shared by every request.
#[derive(Clone)]
pub struct ProductCache {
    connection: ConnectionManager,
    prefix: String,
    ttl_millis: u64,
    timeout: Duration,
    fill_script: redis::Script,
    warnings: Arc<Warnings>,
    near: Arc<NearCache>,
}

impl ProductCache {
    /// Prepares the connection without connecting: the service starts, and serves from
    /// PostgreSQL, while Redis is down.
    pub fn new(url: &RedisUrl, settings: CacheSettings) -> RedisResult<Self> {
        // The connection is multiplexed: without TCP_NODELAY a command sent while an
        // earlier one is unacknowledged waits for Redis's delayed ACK (up to 40 ms).
        let info = url
            .as_str()
            .into_connection_info()?
            .set_tcp_settings(TcpSettings::default().set_nodelay(true));
        let client = redis::Client::open(info)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(settings.timeout))
            .set_response_timeout(Some(settings.timeout))
            // A failed connection is retried by the next call anyway; retrying (with
            // backoff) inside one call would only make that call wait.
            .set_number_of_retries(0);
        Ok(Self {
            connection: ConnectionManager::new_lazy_with_config(client, config)?,
            prefix: settings.prefix,
            ttl_millis: u64::try_from(settings.ttl.as_millis()).unwrap_or(u64::MAX),
            timeout: settings.timeout,
            fill_script: redis::Script::new(FILL_IF_CURRENT),
            warnings: Arc::new(Warnings::new(Duration::from_secs(10))),
            near: Arc::new(NearCache::new(settings.near_ttl)),
        })
    }

    /// One product.
    pub async fn product(&self, id: ProductId) -> Lookup<Product> {
        if let Some(product) = self.near.product(id) {
            return hit("product", product);
        }
        let epoch = self.near.epoch();
        let keys = [self.product_key(id), self.generation_key()];
        let values: Option<Vec<Option<Vec<u8>>>> = self
            .call("get product", |mut c| async move {
                redis::cmd("MGET").arg(&keys).query_async(&mut c).await
            })
            .await;
        let Some([entry, generation]) = values.and_then(|v| <[_; 2]>::try_from(v).ok()) else {
            return Lookup::Unavailable;
        };
        let Some(generation) = self.parse_generation(generation.as_deref(), epoch) else {
            return Lookup::Unavailable;
        };
        match entry.and_then(|bytes| self.decode::<Product>(&bytes)) {
            Some(product) => {
                self.near
                    .fill_products(epoch, std::slice::from_ref(&product));
                hit("product", product)
            }
            None => miss("product", generation),
        }
    }

    /// Several products in one round trip.
    pub async fn products(&self, ids: &[ProductId]) -> BatchLookup {
        let epoch = self.near.epoch();
        let mut near_hits = Vec::new();
        let mut elsewhere = Vec::new();
        for id in ids {
            match self.near.product(*id) {
                Some(product) => near_hits.push(product),
                None => elsewhere.push(*id),
            }
        }
        let mut lookup = self.redis_products(&elsewhere, epoch).await;
        count("products_cache_hits_total", "product", near_hits.len());
        lookup.hits.extend(near_hits);
        lookup
    }

    /// The products of `ids` in Redis, in one round trip (none when `ids` is empty).
    async fn redis_products(&self, ids: &[ProductId], epoch: Epoch) -> BatchLookup {
        if ids.is_empty() {
            return BatchLookup {
                hits: Vec::new(),
                misses: Vec::new(),
                generation: None,
            };
        }
        let mut keys: Vec<String> = ids.iter().map(|id| self.product_key(*id)).collect();
        keys.push(self.generation_key());
        let values: Option<Vec<Option<Vec<u8>>>> = self
            .call("get products", |mut c| async move {
                redis::cmd("MGET").arg(&keys).query_async(&mut c).await
            })
            .await;
        // MGET answers one value per key: the generation is the last.
        let Some((generation, values)) = values
            .filter(|v| v.len() == ids.len() + 1)
            .and_then(|mut v| Some((v.pop()?, v)))
        else {
            return BatchLookup {
                hits: Vec::new(),
                misses: ids.to_vec(),
                generation: None,
            };
        };
        let generation = self.parse_generation(generation.as_deref(), epoch);
        let mut lookup = BatchLookup {
            hits: Vec::new(),
            misses: Vec::new(),
            generation,
        };
        for (id, entry) in ids.iter().zip(values) {
            match entry.and_then(|bytes| self.decode::<Product>(&bytes)) {
                Some(product) => lookup.hits.push(product),
                None => lookup.misses.push(*id),
            }
        }
        self.near.fill_products(epoch, &lookup.hits);
        count("products_cache_hits_total", "product", lookup.hits.len());
        count(
            "products_cache_misses_total",
            "product",
            lookup.misses.len(),
        );
        lookup
    }

    /// Caches products read from the database after a miss under `generation`.
    pub async fn fill_products(&self, generation: Generation, products: &[Product]) {
        if products.is_empty() {
            return;
        }
        self.near.fill_products(generation.near, products);
        let mut invocation = self.fill_script.prepare_invoke();
        invocation
            .key(self.generation_key())
            .arg(generation.redis)
            .arg(self.ttl_millis);
        for product in products {
            let Some(value) = self.encode(product) else {
                return;
            };
            invocation.key(self.product_key(product.id)).arg(value);
        }
        self.call("fill products", |mut c| async move {
            invocation.invoke_async::<i64>(&mut c).await
        })
        .await;
    }

    /// A page of a listing; `listing` names it completely (filters, sort, page).
    pub async fn page(&self, listing: &str) -> Lookup<Arc<ProductPage>> {
        if let Some(page) = self.near.page(listing) {
            return hit("page", page);
        }
        let epoch = self.near.epoch();
        let Some(generation) = self.generation(epoch).await else {
            return Lookup::Unavailable;
        };
        let key = self.page_key(generation, listing);
        let value: Option<Option<Vec<u8>>> = self
            .call("get page", |mut c| async move {
                redis::cmd("GET").arg(&key).query_async(&mut c).await
            })
            .await;
        match value {
            None => Lookup::Unavailable,
            Some(entry) => match entry.and_then(|bytes| self.decode::<ProductPage>(&bytes)) {
                Some(page) => {
                    let page = Arc::new(page);
                    self.near.fill_page(epoch, listing, &page);
                    hit("page", page)
                }
                None => miss("page", generation),
            },
        }
    }

    /// Caches a page read from the database after a miss under `generation`. A page
    /// computed before a write lands under an old generation, where nobody looks.
    pub async fn fill_page(&self, generation: Generation, listing: &str, page: &Arc<ProductPage>) {
        self.near.fill_page(generation.near, listing, page);
        let Some(value) = self.encode(page) else {
            return;
        };
        let key = self.page_key(generation, listing);
        let ttl = self.ttl_millis;
        self.call("fill page", |mut c| async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(value)
                .arg("PX")
                .arg(ttl)
                .query_async::<()>(&mut c)
                .await
        })
        .await;
    }

    /// After a committed write: retires every cached page and drops the entries of
    /// `changed` products. Must run after the commit, generation first (see
    /// [`FILL_IF_CURRENT`]); the in-process layer last, so that a read of Redis from
    /// before the write was made under an epoch the invalidation retires.
    pub async fn invalidate(&self, changed: &[ProductId]) {
        self.invalidate_redis(changed).await;
        self.near.invalidate(changed);
    }

    /// After a committed change of stock only (a reservation or its release): as
    /// [`invalidate`](Self::invalidate) in Redis, but the pages this replica holds in
    /// memory stay. Under order traffic every reservation would otherwise empty them,
    /// and listings would go to PostgreSQL on almost every read; so the stock a listing
    /// shows may lag by up to the in-process TTL (1 s), as it may after a change made
    /// through another replica. The product itself, and the reservation, are exact.
    pub async fn invalidate_stock(&self, changed: &[ProductId]) {
        self.invalidate_redis(changed).await;
        self.near.invalidate_products(changed);
    }

    async fn invalidate_redis(&self, changed: &[ProductId]) {
        let mut pipeline = redis::pipe();
        pipeline
            .atomic()
            .cmd("INCR")
            .arg(self.generation_key())
            .ignore();
        if !changed.is_empty() {
            let keys: Vec<String> = changed.iter().map(|id| self.product_key(*id)).collect();
            pipeline.cmd("DEL").arg(keys).ignore();
        }
        self.call("invalidate", |mut c| async move {
            pipeline.query_async::<()>(&mut c).await
        })
        .await;
    }

    async fn generation(&self, epoch: Epoch) -> Option<Generation> {
        let key = self.generation_key();
        let value: Option<Vec<u8>> = self
            .call("get generation", |mut c| async move {
                redis::cmd("GET").arg(&key).query_async(&mut c).await
            })
            .await?;
        self.parse_generation(value.as_deref(), epoch)
    }

    /// Runs one Redis call with the timeout; a failure is counted, logged and `None`.
    async fn call<T, F, Fut>(&self, operation: &'static str, call: F) -> Option<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, call(self.connection.clone())).await {
            Ok(Ok(value)) => Some(value),
            Ok(Err(error)) => self.failed(operation, &error),
            Err(_elapsed) => self.failed(operation, &"timed out"),
        }
    }

    fn failed<T>(&self, operation: &'static str, error: &dyn fmt::Display) -> Option<T> {
        metrics::counter!("products_cache_errors_total", "operation" => operation).increment(1);
        self.warnings.warn(operation, error);
        None
    }

    /// A missing generation is 0: `INCR` starts from there too.
    fn parse_generation(&self, raw: Option<&[u8]>, near: Epoch) -> Option<Generation> {
        let Some(raw) = raw else {
            return Some(Generation { redis: 0, near });
        };
        let parsed = std::str::from_utf8(raw).ok().and_then(|s| s.parse().ok());
        match parsed {
            Some(redis) => Some(Generation { redis, near }),
            None => self.failed("get generation", &"the generation is not a number"),
        }
    }

    fn encode<T: Serialize>(&self, value: &T) -> Option<Vec<u8>> {
        serde_json::to_vec(value)
            .map_err(|error| self.failed::<()>("encode", &error))
            .ok()
    }

    /// An entry that does not decode (written by another version) counts as a miss
    /// and is overwritten by the fill that follows.
    fn decode<T: DeserializeOwned>(&self, bytes: &[u8]) -> Option<T> {
        serde_json::from_slice(bytes)
            .map_err(|error| self.failed::<()>("decode", &error))
            .ok()
    }

    fn product_key(&self, id: ProductId) -> String {
        format!("{}product:{id}", self.prefix)
    }

    fn generation_key(&self) -> String {
        format!("{}list:gen", self.prefix)
    }

    fn page_key(&self, generation: Generation, listing: &str) -> String {
        format!("{}list:{}:{listing}", self.prefix, generation.redis)
    }
}
