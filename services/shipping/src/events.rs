//! From `order_confirmed` to a shipment request and `order_shipped`.

use shop_common::events::payloads::{OrderConfirmed, OrderShipped};
use shop_common::events::{
    Event, EventHandler, EventPayload, EventProducer, EventType, HandleError, KafkaConfig,
};

use crate::tracking::tracking_number;

/// Topics shipping consumes.
pub const CONSUMED: [EventType; 1] = [EventType::OrderConfirmed];

/// Topics shipping produces.
pub const PRODUCED: [EventType; 1] = [EventType::OrderShipped];

pub struct ShippingEvents {
    pub producer: EventProducer,
    pub kafka: KafkaConfig,
}

impl ShippingEvents {
    /// Requests the shipment and announces it; a redelivery announces the same
    /// tracking number again, which orders ignores for a shipped order.
    async fn ship(&self, order: OrderConfirmed) -> Result<(), HandleError> {
        let shipped = OrderShipped {
            order_id: order.order_id,
            user_id: order.user_id,
            user_email: order.user_email,
            tracking_number: tracking_number(order.order_id),
        };
        tracing::info!(order_id = %shipped.order_id, tracking_number = %shipped.tracking_number, "shipment requested");
        let event = Event::new(&shipped).map_err(|e| HandleError::Permanent(e.to_string()))?;
        self.producer
            .publish(
                &self.kafka.topic(OrderShipped::TYPE),
                &shipped.key(),
                &event,
            )
            .await
            .map_err(|e| HandleError::Transient(Box::new(e)))
    }
}

impl EventHandler for ShippingEvents {
    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        match event.event_type {
            EventType::OrderConfirmed => {
                let order = event
                    .payload()
                    .map_err(|e| HandleError::Permanent(e.to_string()))?;
                self.ship(order).await
            }
            other => Err(HandleError::Permanent(format!(
                "shipping does not consume {}",
                other.as_str()
            ))),
        }
    }
}
