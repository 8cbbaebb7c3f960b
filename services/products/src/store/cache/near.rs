//! The in-process layer in front of Redis: products and pages this replica read in
//! the last `ttl` (1 s by default), answered without a Redis round trip.
//!
//! Staleness is bounded: a write on this replica drops what it changed at once (as in
//! Redis); a write on another replica is seen here at most `ttl` later. A fill
//! computed before an invalidation is refused (see [`NearCache::epoch`]), so a read
//! racing a local write cannot put the old value back for a whole `ttl`.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::domain::listing::ProductPage;
use crate::domain::product::{Product, ProductId};

/// Entries kept at most per map; past that, expired ones go, then all of them.
const PRODUCT_CAPACITY: usize = 10_000;
const PAGE_CAPACITY: usize = 2_000;

/// The invalidation count read before a lookup: a fill is accepted only under the
/// epoch it was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

pub struct NearCache {
    ttl: Duration,
    epoch: AtomicU64,
    products: Entries<ProductId, Product>,
    pages: Entries<String, ProductPage>,
}

impl NearCache {
    /// A cache keeping entries for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            epoch: AtomicU64::new(0),
            products: Entries::new(PRODUCT_CAPACITY),
            pages: Entries::new(PAGE_CAPACITY),
        }
    }

    /// The epoch to fill under after a lookup that missed.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::Acquire))
    }

    pub fn product(&self, id: ProductId) -> Option<Product> {
        self.products.get(&id)
    }

    pub fn page(&self, listing: &str) -> Option<ProductPage> {
        self.pages.get(listing)
    }

    pub fn fill_products(&self, epoch: Epoch, products: &[Product]) {
        if self.ttl.is_zero() {
            return;
        }
        let expires = Instant::now() + self.ttl;
        self.products.insert_all(
            || self.epoch() == epoch,
            products.iter().map(|p| (p.id, p.clone())),
            expires,
        );
    }

    pub fn fill_page(&self, epoch: Epoch, listing: &str, page: &ProductPage) {
        if self.ttl.is_zero() {
            return;
        }
        let expires = Instant::now() + self.ttl;
        self.pages.insert_all(
            || self.epoch() == epoch,
            [(listing.to_owned(), page.clone())],
            expires,
        );
    }

    /// After a committed write: every page, and the `changed` products. The epoch
    /// moves first, so fills read before this point are refused from now on.
    pub fn invalidate(&self, changed: &[ProductId]) {
        self.invalidate_products(changed);
        self.pages.clear();
    }

    /// After a change of stock only: the `changed` products, not the pages (whose
    /// stock may then lag by up to the TTL; see [`super::ProductCache::invalidate_stock`]).
    pub fn invalidate_products(&self, changed: &[ProductId]) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        self.products.remove_all(changed);
    }
}

/// One map of entries with their expiry.
struct Entries<K, V> {
    capacity: usize,
    map: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> Entries<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            capacity,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let map = self.map.lock().ok()?;
        let (value, expires) = map.get(key)?;
        (Instant::now() < *expires).then(|| value.clone())
    }

    /// Inserts `entries` if `current()` still holds once the map is locked (an
    /// invalidation moves the epoch before it takes this lock).
    fn insert_all(
        &self,
        current: impl FnOnce() -> bool,
        entries: impl IntoIterator<Item = (K, V)>,
        expires: Instant,
    ) {
        let Ok(mut map) = self.map.lock() else {
            return;
        };
        if !current() {
            return;
        }
        for (key, value) in entries {
            if map.len() >= self.capacity {
                let now = Instant::now();
                map.retain(|_, (_, expiry)| now < *expiry);
                if map.len() >= self.capacity {
                    map.clear();
                }
            }
            map.insert(key, (value, expires));
        }
    }

    fn remove_all(&self, keys: &[K]) {
        if let Ok(mut map) = self.map.lock() {
            for key in keys {
                map.remove(key);
            }
        }
    }

    fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shop_common::money::Money;

    fn product(name: &str) -> Product {
        let now = time::OffsetDateTime::now_utc();
        Product {
            id: ProductId::generate(),
            name: name.to_owned(),
            description: String::new(),
            price: Money::from_cents(100),
            stock: 1,
            seller_id: uuid::Uuid::nil(),
            images: Vec::new(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn a_filled_product_is_served_until_invalidated() {
        let cache = NearCache::new(Duration::from_secs(60));
        let vase = product("Vase");
        cache.fill_products(cache.epoch(), std::slice::from_ref(&vase));
        assert_eq!(cache.product(vase.id), Some(vase.clone()));
        cache.invalidate(&[vase.id]);
        assert_eq!(cache.product(vase.id), None);
    }

    #[test]
    fn a_fill_read_before_an_invalidation_is_refused() {
        let cache = NearCache::new(Duration::from_secs(60));
        let vase = product("Vase");
        let before = cache.epoch();
        cache.invalidate(&[]);
        cache.fill_products(before, std::slice::from_ref(&vase));
        let page = ProductPage {
            products: vec![vase.clone()],
            total: 1,
        };
        cache.fill_page(before, "all", &page);
        assert_eq!(cache.product(vase.id), None);
        assert_eq!(cache.page("all"), None);
    }

    #[test]
    fn entries_expire_and_a_zero_ttl_keeps_nothing() {
        let cache = NearCache::new(Duration::from_millis(1));
        let vase = product("Vase");
        cache.fill_products(cache.epoch(), std::slice::from_ref(&vase));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(cache.product(vase.id), None);

        let off = NearCache::new(Duration::ZERO);
        off.fill_products(off.epoch(), std::slice::from_ref(&vase));
        assert_eq!(off.product(vase.id), None);
    }

    #[test]
    fn a_stock_change_drops_the_product_and_keeps_the_pages() {
        let cache = NearCache::new(Duration::from_secs(60));
        let vase = product("Vase");
        let page = ProductPage {
            products: vec![vase.clone()],
            total: 1,
        };
        cache.fill_products(cache.epoch(), std::slice::from_ref(&vase));
        cache.fill_page(cache.epoch(), "all", &page);
        cache.invalidate_products(&[vase.id]);
        assert_eq!(cache.product(vase.id), None);
        assert_eq!(cache.page("all"), Some(page));
    }

    #[test]
    fn any_write_drops_every_page() {
        let cache = NearCache::new(Duration::from_secs(60));
        let page = ProductPage {
            products: Vec::new(),
            total: 0,
        };
        cache.fill_page(cache.epoch(), "all:created_at:desc:1:10", &page);
        assert!(cache.page("all:created_at:desc:1:10").is_some());
        cache.invalidate(&[ProductId::generate()]);
        assert_eq!(cache.page("all:created_at:desc:1:10"), None);
    }
}
