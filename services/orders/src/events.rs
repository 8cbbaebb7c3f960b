//! Events orders consumes: stock's answer (`stock_reserved` / `stock_rejected`) and
//! shipping's `order_shipped`. Each is applied once (its id is recorded in the same
//! transaction as its effect).
//!
//! Two consumer groups take them: stock's answers confirm or cancel an order a
//! customer is waiting on, so they are fetched promptly; shipments are fetched at the
//! background pace, so that they add no prompt fetches to the broker's load.

use shop_common::events::payloads::{OrderShipped, StockRejected, StockReserved};
use shop_common::events::{Event, EventError, EventHandler, EventType, HandleError};

use crate::workflow::{FlowError, Workflow};

/// Topics orders consumes promptly, in the group [`STOCK_ANSWERS_GROUP`].
pub const STOCK_ANSWERS: [EventType; 2] = [EventType::StockReserved, EventType::StockRejected];
/// Consumer group of [`STOCK_ANSWERS`].
pub const STOCK_ANSWERS_GROUP: &str = "orders";
/// Topics orders consumes at the background pace, in the group [`SHIPMENTS_GROUP`].
pub const SHIPMENTS: [EventType; 1] = [EventType::OrderShipped];
/// Consumer group of [`SHIPMENTS`].
pub const SHIPMENTS_GROUP: &str = "orders-shipments";
/// Topics orders produces (through the outbox).
pub const PRODUCED: [EventType; 3] = [
    EventType::OrderCreated,
    EventType::OrderConfirmed,
    EventType::OrderCancelled,
];

#[derive(Clone)]
pub struct OrderEvents {
    pub workflow: Workflow,
}

impl EventHandler for OrderEvents {
    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let applied = match event.event_type {
            EventType::StockReserved => {
                let reserved: StockReserved = event.payload().map_err(permanent)?;
                self.workflow
                    .on_stock_reserved(reserved.order_id, event.event_id)
                    .await
            }
            EventType::StockRejected => {
                let rejected: StockRejected = event.payload().map_err(permanent)?;
                let reason = format!("stock rejected: {}", rejected.reason);
                self.workflow
                    .on_stock_rejected(rejected.order_id, &reason, event.event_id)
                    .await
            }
            EventType::OrderShipped => {
                let shipped: OrderShipped = event.payload().map_err(permanent)?;
                self.workflow
                    .on_shipped(shipped.order_id, &shipped.tracking_number, event.event_id)
                    .await
            }
            other => {
                return Err(HandleError::Permanent(format!(
                    "orders does not consume {}",
                    other.as_str()
                )));
            }
        };
        match applied {
            Ok(outcome) => {
                tracing::debug!(event_id = %event.event_id, ?outcome, "event applied");
                Ok(())
            }
            Err(FlowError::NotFound(id)) => {
                Err(HandleError::Permanent(format!("unknown order {id}")))
            }
            Err(error) => Err(HandleError::Transient(Box::new(error))),
        }
    }
}

fn permanent(error: EventError) -> HandleError {
    HandleError::Permanent(error.to_string())
}
