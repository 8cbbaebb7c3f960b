//! Where products live: PostgreSQL (the truth) and Redis (a cache in front of it).

pub mod cache;
pub mod products;
pub mod reservations;

pub use cache::{CacheSettings, ProductCache};
pub use products::ProductStore;
pub use reservations::ReservationStore;
