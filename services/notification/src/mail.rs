//! The e-mail each order event becomes.

use shop_common::events::payloads::{OrderCancelled, OrderConfirmed, OrderCreated, OrderShipped};
use shop_common::events::{Event, EventError, EventType};
use uuid::Uuid;

/// An e-mail to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// What an e-mail is about: one e-mail per order and event type.
pub type MailKey = (Uuid, EventType);

/// The e-mail for an order event, with its key; `None` for events that send none.
pub fn compose(event: &Event) -> Result<Option<(MailKey, Email)>, EventError> {
    let mail = match event.event_type {
        EventType::OrderCreated => {
            let order: OrderCreated = event.payload()?;
            let units: u32 = order.items.iter().map(|i| i.quantity).sum();
            email(
                (order.order_id, event.event_type),
                order.user_email,
                format!("We received your order {}", order.order_id),
                format!(
                    "Thank you for your order {} of {units} item(s), {} in total.\n\
                     We are checking stock and will confirm it shortly.",
                    order.order_id, order.total_price
                ),
            )
        }
        EventType::OrderConfirmed => {
            let order: OrderConfirmed = event.payload()?;
            email(
                (order.order_id, event.event_type),
                order.user_email,
                format!("Your order {} is confirmed", order.order_id),
                format!(
                    "Your order {} ({} in total) is confirmed and will ship soon.",
                    order.order_id, order.total_price
                ),
            )
        }
        EventType::OrderCancelled => {
            let order: OrderCancelled = event.payload()?;
            email(
                (order.order_id, event.event_type),
                order.user_email,
                format!("Your order {} was cancelled", order.order_id),
                format!(
                    "We are sorry: your order {} was cancelled ({}).",
                    order.order_id, order.reason
                ),
            )
        }
        EventType::OrderShipped => {
            let order: OrderShipped = event.payload()?;
            email(
                (order.order_id, event.event_type),
                order.user_email,
                format!("Your order {} has shipped", order.order_id),
                format!(
                    "Your order {} is on its way. Tracking number: {}.",
                    order.order_id, order.tracking_number
                ),
            )
        }
        EventType::StockReserved | EventType::StockRejected => None,
    };
    Ok(mail)
}

fn email(key: MailKey, to: String, subject: String, body: String) -> Option<(MailKey, Email)> {
    Some((key, Email { to, subject, body }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shop_common::events::payloads::StockReserved;
    use shop_common::money::Money;

    #[test]
    fn a_shipped_order_mail_carries_the_tracking_number() {
        let order_id = Uuid::now_v7();
        let event = Event::new(&OrderShipped {
            order_id,
            user_id: Uuid::now_v7(),
            user_email: "ada@example.com".into(),
            tracking_number: "RS-1234-5678-9ABC".into(),
        })
        .unwrap();
        let (key, mail) = compose(&event).unwrap().unwrap();
        assert_eq!(key, (order_id, EventType::OrderShipped));
        assert_eq!(mail.to, "ada@example.com");
        assert!(mail.body.contains("RS-1234-5678-9ABC"));
    }

    #[test]
    fn a_confirmation_shows_the_exact_total() {
        let event = Event::new(&OrderConfirmed {
            order_id: Uuid::now_v7(),
            user_id: Uuid::now_v7(),
            user_email: "ada@example.com".into(),
            total_price: Money::from_cents(5997),
        })
        .unwrap();
        let (_, mail) = compose(&event).unwrap().unwrap();
        assert!(mail.body.contains("59.97"), "{}", mail.body);
    }

    #[test]
    fn stock_events_send_nothing() {
        let event = Event::new(&StockReserved {
            order_id: Uuid::now_v7(),
        })
        .unwrap();
        assert_eq!(compose(&event).unwrap(), None);
    }
}
