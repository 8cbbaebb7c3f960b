//! From `order_created` to a reservation and its answer; from `order_cancelled` to a
//! release.

use shop_common::events::payloads::{
    OrderCancelled, OrderCreated, Shortage, StockRejected, StockReserved,
};
use shop_common::events::{
    Event, EventHandler, EventPayload, EventProducer, EventType, HandleError, KafkaConfig,
};
use shop_proto::products::v1::{
    ReleaseStockRequest, ReserveStockRequest, ShortageReason, StockItem, StockShortage,
    products_service_client::ProductsServiceClient,
};
use tonic::Code;
use tonic::transport::Channel;

/// Topics stock consumes.
pub const CONSUMED: [EventType; 2] = [EventType::OrderCreated, EventType::OrderCancelled];
/// Topics stock produces.
pub const PRODUCED: [EventType; 2] = [EventType::StockReserved, EventType::StockRejected];

pub struct StockEvents {
    products: ProductsServiceClient<Channel>,
    producer: EventProducer,
    kafka: KafkaConfig,
}

impl StockEvents {
    pub fn new(
        products: ProductsServiceClient<Channel>,
        producer: EventProducer,
        kafka: KafkaConfig,
    ) -> Self {
        Self {
            products,
            producer,
            kafka,
        }
    }

    /// Reserves the order's items; the answer is announced before the offset is
    /// committed, and products answers a repeated reservation the same way.
    async fn reserve(&self, order: OrderCreated) -> Result<(), HandleError> {
        let request = ReserveStockRequest {
            order_id: order.order_id.to_string(),
            items: order
                .items
                .iter()
                .map(|item| StockItem {
                    product_id: item.product_id.to_string(),
                    quantity: i32::try_from(item.quantity).unwrap_or(i32::MAX),
                })
                .collect(),
        };
        let answer = self
            .products
            .clone()
            .reserve_stock(request)
            .await
            .map_err(from_status)?
            .into_inner();
        if answer.reserved {
            tracing::info!(order_id = %order.order_id, "stock reserved");
            self.announce(&StockReserved {
                order_id: order.order_id,
            })
            .await
        } else {
            let rejected = rejection(&order, &answer.shortages);
            tracing::info!(order_id = %order.order_id, reason = %rejected.reason, "stock rejected");
            self.announce(&rejected).await
        }
    }

    async fn release(&self, order: OrderCancelled) -> Result<(), HandleError> {
        let request = ReleaseStockRequest {
            order_id: order.order_id.to_string(),
        };
        let answer = self
            .products
            .clone()
            .release_stock(request)
            .await
            .map_err(from_status)?
            .into_inner();
        tracing::info!(order_id = %order.order_id, released = answer.released, "stock release handled");
        Ok(())
    }

    async fn announce<P: EventPayload>(&self, payload: &P) -> Result<(), HandleError> {
        let event = Event::new(payload).map_err(|e| HandleError::Permanent(e.to_string()))?;
        self.producer
            .publish(&self.kafka.topic(P::TYPE), &payload.key(), &event)
            .await
            .map_err(|e| HandleError::Transient(Box::new(e)))
    }
}

impl EventHandler for StockEvents {
    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let invalid = |e: shop_common::events::EventError| HandleError::Permanent(e.to_string());
        match event.event_type {
            EventType::OrderCreated => self.reserve(event.payload().map_err(invalid)?).await,
            EventType::OrderCancelled => self.release(event.payload().map_err(invalid)?).await,
            other => Err(HandleError::Permanent(format!(
                "stock does not consume {}",
                other.as_str()
            ))),
        }
    }
}

/// Products unreachable or overloaded: retry. Anything else will not get better.
fn from_status(status: tonic::Status) -> HandleError {
    match status.code() {
        Code::Unavailable
        | Code::DeadlineExceeded
        | Code::ResourceExhausted
        | Code::Aborted
        | Code::Internal
        | Code::Unknown => HandleError::Transient(Box::new(status)),
        _ => HandleError::Permanent(format!(
            "products refused the request: {}",
            status.message()
        )),
    }
}

fn rejection(order: &OrderCreated, shortages: &[StockShortage]) -> StockRejected {
    let reason = shortages
        .iter()
        .map(|s| match s.reason() {
            ShortageReason::UnknownProduct => format!("product {} does not exist", s.product_id),
            _ => format!(
                "product {} has {} in stock, {} requested",
                s.product_id, s.available, s.requested
            ),
        })
        .collect::<Vec<_>>()
        .join("; ");
    StockRejected {
        order_id: order.order_id,
        reason: if reason.is_empty() {
            "insufficient stock".into()
        } else {
            reason
        },
        shortages: shortages
            .iter()
            .filter_map(|s| {
                Some(Shortage {
                    product_id: s.product_id.parse().ok()?,
                    requested: u32::try_from(s.requested).unwrap_or_default(),
                    available: u32::try_from(s.available).unwrap_or_default(),
                })
            })
            .collect(),
    }
}
