//! The catalog: product operations with their permission rules, behind a cache-aside
//! Redis cache (read the cache, else PostgreSQL and fill; after every committed write,
//! invalidate what it changed).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use shop_common::auth::Actor;
use shop_common::pagination::Page;

use crate::domain::listing::{ListSort, ProductPage, SearchSort};
use crate::domain::permissions;
use crate::domain::product::{NewProduct, Product, ProductChanges, ProductId};
use crate::domain::search::SearchQuery;
use crate::error::{CatalogError, StoreError};
use crate::store::cache::Lookup;
use crate::store::{ProductCache, ProductStore};

/// Products found by a batch read, in the order asked (each once), and the ids that
/// were not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub products: Vec<Product>,
    pub missing: Vec<ProductId>,
}

#[derive(Clone)]
pub struct Catalog {
    store: ProductStore,
    cache: ProductCache,
}

impl Catalog {
    pub fn new(store: ProductStore, cache: ProductCache) -> Self {
        Self { store, cache }
    }

    /// Creates a product sold by `actor`.
    pub async fn create(
        &self,
        actor: &Actor,
        product: NewProduct,
    ) -> Result<Product, CatalogError> {
        permissions::may_create(actor)?;
        let created = self
            .store
            .create(ProductId::generate(), actor.user_id, &product)
            .await?;
        // Listings now show it; no entry of the new product can be cached yet.
        self.cache.invalidate(&[]).await;
        Ok(created)
    }

    pub async fn get(&self, id: ProductId) -> Result<Product, CatalogError> {
        let generation = match self.cache.product(id).await {
            Lookup::Hit(product) => return Ok(product),
            Lookup::Miss(generation) => Some(generation),
            Lookup::Unavailable => None,
        };
        let product = self
            .store
            .get(id)
            .await?
            .ok_or(CatalogError::NotFound(id))?;
        if let Some(generation) = generation {
            self.cache
                .fill_products(generation, std::slice::from_ref(&product))
                .await;
        }
        Ok(product)
    }

    /// Several products at once; unknown ids are reported, not an error.
    pub async fn get_many(&self, ids: &[ProductId]) -> Result<Found, CatalogError> {
        if ids.is_empty() {
            return Ok(Found {
                products: Vec::new(),
                missing: Vec::new(),
            });
        }
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let lookup = self.cache.products(&distinct).await;
        let mut products = lookup.hits;
        if !lookup.misses.is_empty() {
            let loaded = self.store.get_many(&lookup.misses).await?;
            if let Some(generation) = lookup.generation {
                self.cache.fill_products(generation, &loaded).await;
            }
            products.extend(loaded);
        }
        let mut by_id: HashMap<ProductId, Product> =
            products.into_iter().map(|p| (p.id, p)).collect();
        let mut found = Found {
            products: Vec::with_capacity(by_id.len()),
            missing: Vec::new(),
        };
        let mut seen = HashSet::with_capacity(ids.len());
        for id in ids.iter().filter(|id| seen.insert(**id)) {
            match by_id.remove(id) {
                Some(product) => found.products.push(product),
                None => found.missing.push(*id),
            }
        }
        Ok(found)
    }

    pub async fn list(&self, page: &Page<ListSort>) -> Result<Arc<ProductPage>, CatalogError> {
        let listing = format!(
            "all:{}:{}:{}:{}",
            page.sort.name(),
            page.order.sql(),
            page.page,
            page.limit
        );
        self.cached_page(&listing, self.store.list(page)).await
    }

    pub async fn search(
        &self,
        query: &SearchQuery,
        page: &Page<SearchSort>,
    ) -> Result<Arc<ProductPage>, CatalogError> {
        let listing = format!(
            "search:{}:{}:{}:{}:{}",
            page.sort.name(),
            page.order.sql(),
            page.page,
            page.limit,
            query.text()
        );
        self.cached_page(&listing, self.store.search(query, page))
            .await
    }

    /// Applies a partial update; a seller may change only its own products.
    pub async fn update(
        &self,
        actor: &Actor,
        id: ProductId,
        changes: ProductChanges,
    ) -> Result<Product, CatalogError> {
        if !actor.is_admin() {
            // The seller of a product never changes, so checking it before the update
            // leaves no window for a race.
            let seller = self
                .store
                .seller_of(id)
                .await?
                .ok_or(CatalogError::NotFound(id))?;
            permissions::may_edit(actor, seller)?;
        }
        let product = self
            .store
            .update(id, &changes)
            .await?
            .ok_or(CatalogError::NotFound(id))?;
        self.cache.invalidate(&[id]).await;
        Ok(product)
    }

    pub async fn delete(&self, actor: &Actor, id: ProductId) -> Result<(), CatalogError> {
        permissions::may_delete(actor)?;
        if !self.store.delete(id).await? {
            return Err(CatalogError::NotFound(id));
        }
        self.cache.invalidate(&[id]).await;
        Ok(())
    }

    /// A page from the cache, else from `load` (then cached).
    async fn cached_page(
        &self,
        listing: &str,
        load: impl Future<Output = Result<ProductPage, StoreError>>,
    ) -> Result<Arc<ProductPage>, CatalogError> {
        let generation = match self.cache.page(listing).await {
            Lookup::Hit(page) => return Ok(page),
            Lookup::Miss(generation) => Some(generation),
            Lookup::Unavailable => None,
        };
        let page = Arc::new(load.await?);
        if let Some(generation) = generation {
            self.cache.fill_page(generation, listing, &page).await;
        }
        Ok(page)
    }
}
