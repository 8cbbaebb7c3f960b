//! One e-mail per order event.

use std::sync::Mutex;

use shop_common::events::{Event, EventHandler, EventType, HandleError};

use crate::mail::{MailKey, compose};
use crate::recent::RecentSet;
use crate::transport::Transport;

/// Topics notification consumes.
pub const CONSUMED: [EventType; 4] = [
    EventType::OrderCreated,
    EventType::OrderConfirmed,
    EventType::OrderCancelled,
    EventType::OrderShipped,
];

/// How many sent e-mails are remembered to skip duplicates.
const REMEMBERED: usize = 100_000;

/// Topics notification produces.
pub const PRODUCED: [EventType; 0] = [];

pub struct NotificationEvents {
    transport: Transport,
    sent: Mutex<RecentSet<MailKey>>,
}

impl NotificationEvents {
    pub fn new(transport: Transport) -> Self {
        Self {
            transport,
            sent: Mutex::new(RecentSet::new(REMEMBERED)),
        }
    }

    fn already_sent(&self, key: &MailKey) -> bool {
        self.sent.lock().is_ok_and(|sent| sent.contains(key))
    }

    fn remember(&self, key: MailKey) {
        if let Ok(mut sent) = self.sent.lock() {
            sent.insert(key);
        }
    }
}

impl EventHandler for NotificationEvents {
    async fn handle(&self, event: &Event) -> Result<(), HandleError> {
        let Some((key, email)) =
            compose(event).map_err(|e| HandleError::Permanent(e.to_string()))?
        else {
            return Ok(());
        };
        if self.already_sent(&key) {
            tracing::debug!(order_id = %key.0, kind = key.1.as_str(), "e-mail already sent");
            return Ok(());
        }
        // A refused address will not become valid; a server that is down may come back.
        self.transport
            .send(&email)
            .await
            .map_err(|error| match error {
                crate::transport::TransportError::Address(_)
                | crate::transport::TransportError::Build(_) => {
                    HandleError::Permanent(error.to_string())
                }
                other => HandleError::Transient(Box::new(other)),
            })?;
        self.remember(key);
        metrics::counter!("notifications_sent_total", "type" => key.1.as_str()).increment(1);
        Ok(())
    }
}
