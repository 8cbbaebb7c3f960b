//! Every change to an order, in one place: each runs in one transaction that locks
//! the order, checks the transition, writes it, puts its events in the outbox and
//! (for event-driven changes) records the event id, then wakes the outbox relay. An
//! event that finds its order as expected, with its announcement known without
//! reading the order ([`placements`]), is applied in one statement instead.

mod placements;

use std::sync::Arc;

use shop_common::events::payloads::{OrderCancelled, OrderConfirmed, OrderCreated, OrderLineItem};
use sqlx::PgPool;
use tokio::sync::Notify;
use uuid::Uuid;

use self::placements::{Placement, RecentPlacements};
use crate::domain::{Order, OrderStatus, PricedOrder};
use crate::store::orders::{self, Customer, StatusChange};
use crate::store::outbox::NewEvent;
use crate::store::{StoreError, outbox};

#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("order {0} not found")]
    NotFound(Uuid),
    #[error("an order cannot go from {from} to {to}")]
    IllegalTransition { from: OrderStatus, to: OrderStatus },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for FlowError {
    fn from(error: sqlx::Error) -> Self {
        FlowError::Store(StoreError::Database(error))
    }
}

/// What an event-driven change came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    Changed,
    /// The event was applied before (redelivery): nothing changed.
    AlreadyProcessed,
    /// The order is not in a state the event changes (e.g. a duplicate result).
    Ignored,
}

/// What to do with a locked order.
enum Decision<'a> {
    Change(StatusChange<'a>),
    /// Stock was reserved for an order cancelled meanwhile: announce the
    /// cancellation again so stock gives the reservation back.
    Compensate,
    Nothing,
}

/// Writes orders and their events.
#[derive(Clone)]
pub struct Workflow {
    pool: PgPool,
    relay: Arc<Notify>,
    placements: RecentPlacements,
}

impl Workflow {
    pub fn new(pool: PgPool, relay: Arc<Notify>) -> Self {
        Self {
            pool,
            relay,
            placements: RecentPlacements::default(),
        }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Writes a pending order, its items and its `order_created` event at once (one
    /// statement). A repeated idempotency key returns the first order.
    pub async fn place(
        &self,
        customer: Customer<'_>,
        priced: &PricedOrder,
        idempotency_key: Option<&str>,
    ) -> Result<Order, FlowError> {
        let id = Uuid::now_v7();
        let announcement = NewEvent::new(&order_created(id, customer, priced))?;
        let inserted = orders::insert(
            &self.pool,
            id,
            customer,
            priced,
            idempotency_key,
            &announcement,
        )
        .await?;
        let Some(order) = inserted else {
            let key = idempotency_key.unwrap_or_default();
            return orders::find_by_idempotency_key(&self.pool, customer.user_id, key)
                .await?
                .ok_or(FlowError::NotFound(id));
        };
        self.placements.remember(&order);
        self.relay.notify_one();
        Ok(order)
    }

    /// stock reserved the order: pending → confirmed.
    pub async fn on_stock_reserved(
        &self,
        order_id: Uuid,
        event_id: Uuid,
    ) -> Result<Applied, FlowError> {
        let from = OrderStatus::Pending;
        self.on_event(
            order_id,
            event_id,
            from,
            StatusChange::Confirm,
            |status| match status {
                OrderStatus::Cancelled => Decision::Compensate,
                _ => Decision::Nothing,
            },
        )
        .await
    }

    /// stock refused the order: pending → cancelled, with the reason kept.
    pub async fn on_stock_rejected(
        &self,
        order_id: Uuid,
        reason: &str,
        event_id: Uuid,
    ) -> Result<Applied, FlowError> {
        let change = StatusChange::Cancel { reason };
        self.on_event(order_id, event_id, OrderStatus::Pending, change, |_| {
            Decision::Nothing
        })
        .await
    }

    /// shipping shipped the order: confirmed → shipped, with its tracking number.
    pub async fn on_shipped(
        &self,
        order_id: Uuid,
        tracking_number: &str,
        event_id: Uuid,
    ) -> Result<Applied, FlowError> {
        let change = StatusChange::Ship { tracking_number };
        self.on_event(order_id, event_id, OrderStatus::Confirmed, change, |_| {
            Decision::Nothing
        })
        .await
    }

    /// An administrator's change: only legal transitions.
    pub async fn change_by_admin(
        &self,
        order_id: Uuid,
        change: StatusChange<'_>,
    ) -> Result<Order, FlowError> {
        self.apply(order_id, None, |order| {
            let to = change.target();
            if order.status.can_become(to) {
                Ok(Decision::Change(change))
            } else {
                Err(FlowError::IllegalTransition {
                    from: order.status,
                    to,
                })
            }
        })
        .await?;
        orders::get(&self.pool, order_id)
            .await?
            .ok_or(FlowError::NotFound(order_id))
    }

    /// Applies an event that moves an order from `from` by `change`: in one statement
    /// when it can ([`Self::apply_in_one`]), else under the row lock, where an order in
    /// another state gets what `otherwise` decides for that state.
    async fn on_event(
        &self,
        order_id: Uuid,
        event_id: Uuid,
        from: OrderStatus,
        change: StatusChange<'_>,
        otherwise: fn(OrderStatus) -> Decision<'static>,
    ) -> Result<Applied, FlowError> {
        if self.apply_in_one(order_id, event_id, from, change).await? {
            return Ok(Applied::Changed);
        }
        self.apply(order_id, Some(event_id), |order| {
            Ok(if order.status == from {
                Decision::Change(change)
            } else {
                otherwise(order.status)
            })
        })
        .await
    }

    /// Applies `change` of an order in `from` in one statement, if its announcement
    /// (if any) is known without reading the order; false if not applied (unknown
    /// announcement, another state, a redelivery): the locked path decides then.
    async fn apply_in_one(
        &self,
        order_id: Uuid,
        event_id: Uuid,
        from: OrderStatus,
        change: StatusChange<'_>,
    ) -> Result<bool, FlowError> {
        let announcement = if announces(change) {
            let Some(placement) = self.placements.get(order_id) else {
                return Ok(false);
            };
            announcement(order_id, &placement, change)?
        } else {
            None
        };
        let applied = orders::change_for_event(
            &self.pool,
            order_id,
            event_id,
            from,
            change,
            announcement.as_ref(),
        )
        .await?;
        if applied && announcement.is_some() {
            self.placements.forget(order_id);
            self.relay.notify_one();
        }
        Ok(applied)
    }

    async fn apply<'a>(
        &self,
        order_id: Uuid,
        event_id: Option<Uuid>,
        decide: impl FnOnce(&Order) -> Result<Decision<'a>, FlowError>,
    ) -> Result<Applied, FlowError> {
        let mut tx = self.pool.begin().await?;
        let locked = match event_id {
            Some(event_id) => orders::lock_for_event(&mut tx, order_id, event_id).await?,
            None => orders::lock(&mut tx, order_id)
                .await?
                .map(|order| (order, true)),
        };
        let (order, first_time) = locked.ok_or(FlowError::NotFound(order_id))?;
        if !first_time {
            return Ok(Applied::AlreadyProcessed);
        }
        let (applied, announced) = match decide(&order)? {
            Decision::Change(change) => {
                let announcement = announcement(order.id, &Placement::of(&order), change)?;
                orders::set_status(&mut tx, order_id, change, announcement.as_ref()).await?;
                (Applied::Changed, announcement.is_some())
            }
            Decision::Compensate => {
                let reason = order.cancel_reason.as_deref().unwrap_or("cancelled");
                let cancelled = order_cancelled(order.id, &Placement::of(&order), reason);
                outbox::enqueue(&mut tx, &cancelled).await?;
                (Applied::Changed, true)
            }
            Decision::Nothing => (Applied::Ignored, false),
        };
        tx.commit().await?;
        // A wake-up with nothing new costs the relay an empty round (BEGIN, a claim, COMMIT);
        // shipping alone would cause one per order.
        if announced {
            self.relay.notify_one();
        }
        Ok(applied)
    }
}

/// Whether a status change is announced: shipping announces `order_shipped` itself,
/// and delivery is not announced.
fn announces(change: StatusChange<'_>) -> bool {
    matches!(change, StatusChange::Confirm | StatusChange::Cancel { .. })
}

/// The event announcing a status change of the order `placement` describes, if any.
fn announcement(
    order_id: Uuid,
    placement: &Placement,
    change: StatusChange<'_>,
) -> Result<Option<NewEvent>, StoreError> {
    let event = match change {
        StatusChange::Confirm => NewEvent::new(&OrderConfirmed {
            order_id,
            user_id: placement.user_id,
            user_email: placement.user_email.clone(),
            total_price: placement.total,
        })?,
        StatusChange::Cancel { reason } => {
            NewEvent::new(&order_cancelled(order_id, placement, reason))?
        }
        StatusChange::Ship { .. } | StatusChange::Deliver => return Ok(None),
    };
    Ok(Some(event))
}

fn order_cancelled(order_id: Uuid, placement: &Placement, reason: &str) -> OrderCancelled {
    OrderCancelled {
        order_id,
        user_id: placement.user_id,
        user_email: placement.user_email.clone(),
        reason: reason.to_owned(),
    }
}

fn order_created(id: Uuid, customer: Customer<'_>, priced: &PricedOrder) -> OrderCreated {
    OrderCreated {
        order_id: id,
        user_id: customer.user_id,
        user_email: customer.email.to_owned(),
        total_price: priced.total,
        items: priced
            .lines
            .iter()
            .map(|line| OrderLineItem {
                product_id: line.product_id,
                quantity: line.quantity.get(),
                unit_price: line.unit_price,
            })
            .collect(),
    }
}
