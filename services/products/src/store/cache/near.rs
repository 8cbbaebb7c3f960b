//! The in-process layer in front of Redis: products and pages this replica read in
//! the last `ttl` (1 s by default), answered without a Redis round trip.
//!
//! Staleness is bounded: a write on this replica drops what it changed at once (as in
//! Redis); a write on another replica is seen here at most `ttl` later. A fill
//! computed before an invalidation is refused (see [`NearCache::epoch`]), so a read
//! racing a local write cannot put the old value back for a whole `ttl`.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use moka::sync::Cache;

use crate::domain::listing::ProductPage;
use crate::domain::product::{Product, ProductId};

/// Entries kept at most per map; past that, those least likely to be read again go.
const PRODUCT_CAPACITY: u64 = 10_000;
const PAGE_CAPACITY: u64 = 2_000;
/// moka panics on a TTL past 1000 years; a longer `LOCAL_CACHE_TTL` is cut to this.
const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// The invalidation count read before a lookup: a fill is accepted only under the
/// epoch it was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

pub struct NearCache {
    ttl: Duration,
    epoch: AtomicU64,
    products: Entries<ProductId, Product>,
    /// Shared, not copied: a page is read far more often than it is filled.
    pages: Entries<String, Arc<ProductPage>>,
}

impl NearCache {
    /// A cache keeping entries for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            epoch: AtomicU64::new(0),
            products: Entries::new(ttl, PRODUCT_CAPACITY),
            pages: Entries::new(ttl, PAGE_CAPACITY),
        }
    }

    /// The epoch to fill under after a lookup that missed.
    pub fn epoch(&self) -> Epoch {
        Epoch(self.epoch.load(Ordering::Acquire))
    }

    pub fn product(&self, id: ProductId) -> Option<Product> {
        self.products.get(&id)
    }

    pub fn page(&self, listing: &str) -> Option<Arc<ProductPage>> {
        self.pages.get(listing)
    }

    pub fn fill_products(&self, epoch: Epoch, products: &[Product]) {
        if self.ttl.is_zero() {
            return;
        }
        self.products.insert_all(
            || self.epoch() == epoch,
            products.iter().map(|p| (p.id, p.clone())),
        );
    }

    pub fn fill_page(&self, epoch: Epoch, listing: &str, page: &Arc<ProductPage>) {
        if self.ttl.is_zero() {
            return;
        }
        self.pages.insert_all(
            || self.epoch() == epoch,
            [(listing.to_owned(), Arc::clone(page))],
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

/// One map of entries, each kept for the cache's TTL.
struct Entries<K, V> {
    entries: Cache<K, V>,
    /// Held by a fill from its epoch check to its last insert, and by a removal: a
    /// removal after an invalidation (which moves the epoch first) therefore comes
    /// after every fill that passed the check under the old epoch.
    writing: Mutex<()>,
}

impl<K, V> Entries<K, V>
where
    K: Eq + Hash + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    fn new(ttl: Duration, capacity: u64) -> Self {
        Self {
            entries: Cache::builder()
                .time_to_live(ttl.min(MAX_TTL))
                .max_capacity(capacity)
                .build(),
            writing: Mutex::new(()),
        }
    }

    fn get<Q>(&self, key: &Q) -> Option<V>
    where
        Q: moka::Equivalent<K> + Hash + ?Sized,
    {
        self.entries.get(key)
    }

    /// Inserts `entries` if `current()` still holds once the write lock is held (an
    /// invalidation moves the epoch before it takes this lock).
    fn insert_all(
        &self,
        current: impl FnOnce() -> bool,
        entries: impl IntoIterator<Item = (K, V)>,
    ) {
        let Ok(_writing) = self.writing.lock() else {
            return;
        };
        if !current() {
            return;
        }
        for (key, value) in entries {
            self.entries.insert(key, value);
        }
    }

    fn remove_all(&self, keys: &[K]) {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        for key in keys {
            self.entries.invalidate(key);
        }
    }

    fn clear(&self) {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        self.entries.invalidate_all();
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
        let page = Arc::new(ProductPage::new(vec![vase.clone()], 1));
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
        let page = Arc::new(ProductPage::new(vec![vase.clone()], 1));
        cache.fill_products(cache.epoch(), std::slice::from_ref(&vase));
        cache.fill_page(cache.epoch(), "all", &page);
        cache.invalidate_products(&[vase.id]);
        assert_eq!(cache.product(vase.id), None);
        assert_eq!(cache.page("all"), Some(page));
    }

    #[test]
    fn any_write_drops_every_page() {
        let cache = NearCache::new(Duration::from_secs(60));
        let page = Arc::new(ProductPage::new(Vec::new(), 0));
        cache.fill_page(cache.epoch(), "all:created_at:desc:1:10", &page);
        assert!(cache.page("all:created_at:desc:1:10").is_some());
        cache.invalidate(&[ProductId::generate()]);
        assert_eq!(cache.page("all:created_at:desc:1:10"), None);
    }

    #[test]
    fn a_full_map_does_not_grow() {
        let entries = Entries::new(Duration::from_secs(60), 10);
        entries.insert_all(|| true, (0..=10).map(|n| (n, n)));
        // moka applies its bound in its maintenance tasks; run them now.
        entries.entries.run_pending_tasks();
        assert!(entries.entries.entry_count() <= 10);
    }

    #[test]
    fn no_fill_racing_a_write_outlives_it() {
        use std::sync::atomic::AtomicBool;

        let cache = NearCache::new(Duration::from_secs(60));
        let vase = product("Vase");
        // The stock the store holds, and the last stock whose invalidation returned.
        let stored = AtomicU64::new(0);
        let invalidated = AtomicU64::new(0);
        let writing = AtomicBool::new(true);
        let stale = AtomicU64::new(0);
        std::thread::scope(|scope| {
            for _ in 0..3 {
                scope.spawn(|| {
                    while writing.load(Ordering::Acquire) {
                        let floor = invalidated.load(Ordering::Acquire);
                        match cache.product(vase.id) {
                            Some(cached) if (cached.stock as u64) < floor => {
                                stale.fetch_add(1, Ordering::Relaxed);
                            }
                            Some(_) => {}
                            None => {
                                let epoch = cache.epoch();
                                let mut read = vase.clone();
                                read.stock = stored.load(Ordering::Acquire) as i32;
                                cache.fill_products(epoch, &[read]);
                            }
                        }
                    }
                });
            }
            for stock in 1..=5_000 {
                stored.store(stock, Ordering::Release);
                cache.invalidate_products(&[vase.id]);
                invalidated.store(stock, Ordering::Release);
            }
            writing.store(false, Ordering::Release);
        });
        assert_eq!(stale.load(Ordering::Relaxed), 0, "stale answers served");
    }
}
