//! What a cache lookup answers, and the hit and miss counters.

use crate::domain::product::{Product, ProductId};

use super::near::Epoch;

/// The listing generation (and the in-process epoch) read before a database query:
/// what that query returns may be cached only under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generation {
    pub(super) redis: u64,
    pub(super) near: Epoch,
}

/// The answer of a cache lookup.
#[derive(Debug)]
pub enum Lookup<T> {
    Hit(T),
    /// Not cached; fill under this generation once read from the database.
    Miss(Generation),
    /// Redis failed: read from the database, and do not fill.
    Unavailable,
}

/// The answer of a lookup of several products.
#[derive(Debug)]
pub struct BatchLookup {
    pub hits: Vec<Product>,
    pub misses: Vec<ProductId>,
    /// `None` when Redis failed.
    pub generation: Option<Generation>,
}

pub(super) fn hit<T>(kind: &'static str, value: T) -> Lookup<T> {
    count("products_cache_hits_total", kind, 1);
    Lookup::Hit(value)
}

pub(super) fn miss<T>(kind: &'static str, generation: Generation) -> Lookup<T> {
    count("products_cache_misses_total", kind, 1);
    Lookup::Miss(generation)
}

pub(super) fn count(name: &'static str, kind: &'static str, n: usize) {
    if n > 0 {
        metrics::counter!(name, "kind" => kind).increment(n as u64);
    }
}
