//! The orders this replica placed and has not yet seen confirmed or cancelled, with
//! what the events announcing that carry: who placed the order and its total, which
//! never change once it is written. Knowing them, stock's answer is applied in one
//! statement without reading the order first. An order placed by another replica, or
//! forgotten, takes the locked path instead; nothing depends on this memory.

use std::time::Duration;

use moka::sync::Cache;
use shop_common::money::Money;
use uuid::Uuid;

use crate::domain::Order;

/// Orders remembered at most: a few MiB, minutes of orders at hundreds a second.
const MAX_REMEMBERED: u64 = 50_000;
/// An order unanswered this long is forgotten (stock answers in milliseconds).
const FORGET_AFTER: Duration = Duration::from_secs(600);

/// Who placed an order and its total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub user_id: Uuid,
    pub user_email: String,
    pub total: Money,
}

impl Placement {
    pub fn of(order: &Order) -> Self {
        Self {
            user_id: order.user_id,
            user_email: order.user_email.clone(),
            total: order.total,
        }
    }
}

/// Recently placed orders by id, bounded in number and age.
#[derive(Clone)]
pub struct RecentPlacements {
    orders: Cache<Uuid, Placement>,
}

impl Default for RecentPlacements {
    fn default() -> Self {
        let orders = Cache::builder()
            .max_capacity(MAX_REMEMBERED)
            .time_to_live(FORGET_AFTER)
            .build();
        Self { orders }
    }
}

impl RecentPlacements {
    pub fn remember(&self, order: &Order) {
        self.orders.insert(order.id, Placement::of(order));
    }

    pub fn get(&self, order_id: Uuid) -> Option<Placement> {
        self.orders.get(&order_id)
    }

    /// Forgets an order once stock's answer is applied.
    pub fn forget(&self, order_id: Uuid) {
        self.orders.invalidate(&order_id);
    }
}
