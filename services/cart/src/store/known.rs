//! The carts this replica last read or wrote, each with the identity and version of
//! the stored document it came from.
//!
//! An add must write against the version it read. Starting from the remembered one
//! saves that read whenever nobody changed the cart since this replica last saw it,
//! the usual case of one customer's requests. A remembered cart is never trusted:
//! if it is stale the conditional write matches nothing and the add reads again.

use std::time::Duration;

use moka::sync::Cache;
use mongodb::bson::oid::ObjectId;

use crate::domain::{Cart, UserId};

/// Lines remembered at most over all carts (a cart weighs one plus its lines), which
/// bounds memory to a few MiB however large the carts.
const MAX_LINES_REMEMBERED: u64 = 50_000;
/// A cart unused this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Which stored document a cart was read from or written to, and at which version.
/// The document's `_id` is part of it: a cart that expired and was created again
/// starts over at version 1, and must not pass for the one remembered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    pub id: ObjectId,
    pub version: i64,
}

impl Stored {
    /// The document after one more change.
    pub fn next(self) -> Self {
        Self {
            version: self.version + 1,
            ..self
        }
    }
}

/// A cart as read or written, with the document it matches (`None`: the user had no
/// cart document).
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub cart: Cart,
    pub stored: Option<Stored>,
}

/// Recently seen carts by user, bounded by their lines.
#[derive(Clone)]
pub struct KnownCarts {
    carts: Cache<UserId, Snapshot>,
}

impl Default for KnownCarts {
    fn default() -> Self {
        let carts = Cache::builder()
            .max_capacity(MAX_LINES_REMEMBERED)
            .weigher(|_, snapshot: &Snapshot| {
                u32::try_from(snapshot.cart.lines.len() + 1).unwrap_or(u32::MAX)
            })
            .time_to_idle(FORGET_AFTER)
            .build();
        Self { carts }
    }
}

impl KnownCarts {
    /// The user's cart as last seen here, possibly stale.
    pub fn get(&self, user: UserId) -> Option<Snapshot> {
        self.carts.get(&user)
    }

    /// Remembers the user's cart as just read or written.
    pub fn remember(&self, cart: &Cart, stored: Stored) {
        let snapshot = Snapshot {
            cart: cart.clone(),
            stored: Some(stored),
        };
        self.carts.insert(cart.user_id, snapshot);
    }

    /// Forgets the user's cart (it changed elsewhere).
    pub fn forget(&self, user: UserId) {
        self.carts.invalidate(&user);
    }
}
