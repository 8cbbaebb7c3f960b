//! PostgreSQL access, one file per aggregate.

pub mod users;

pub use users::UserStore;
