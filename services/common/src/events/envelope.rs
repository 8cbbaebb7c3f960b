//! The envelope of every event: `{eventId, occurredAt, type, version, payload}`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

/// The kinds of event in the order flow. Each has a topic of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    OrderCreated,
    StockReserved,
    StockRejected,
    OrderConfirmed,
    OrderCancelled,
    OrderShipped,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::OrderCreated,
        EventType::StockReserved,
        EventType::StockRejected,
        EventType::OrderConfirmed,
        EventType::OrderCancelled,
        EventType::OrderShipped,
    ];

    /// The event type's name, also its topic's base name: `order_created`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::OrderCreated => "order_created",
            EventType::StockReserved => "stock_reserved",
            EventType::StockRejected => "stock_rejected",
            EventType::OrderConfirmed => "order_confirmed",
            EventType::OrderCancelled => "order_cancelled",
            EventType::OrderShipped => "order_shipped",
        }
    }
}

/// A payload type, tied to its event type and schema version.
pub trait EventPayload: Serialize + DeserializeOwned {
    const TYPE: EventType;
    const VERSION: u16 = 1;

    /// The Kafka key: the order id, so one order's events keep their order in a partition.
    fn key(&self) -> String;
}

#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("not an event envelope: {0}")]
    Malformed(#[source] serde_json::Error),
    #[error("expected a {expected} event, got {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("unsupported {event_type} version {version}")]
    UnsupportedVersion {
        event_type: &'static str,
        version: u16,
    },
    #[error("the {event_type} payload is invalid: {source}")]
    Payload {
        event_type: &'static str,
        #[source]
        source: serde_json::Error,
    },
}

/// An event as it travels: the payload stays JSON until a consumer asks for its type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub event_id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: OffsetDateTime,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub version: u16,
    pub payload: serde_json::Value,
}

impl Event {
    /// A new event with a fresh id (UUIDv7: time-ordered) and the current time.
    pub fn new<P: EventPayload>(payload: &P) -> Result<Self, EventError> {
        Ok(Self {
            event_id: Uuid::now_v7(),
            occurred_at: OffsetDateTime::now_utc(),
            event_type: P::TYPE,
            version: P::VERSION,
            payload: serde_json::to_value(payload).map_err(|source| EventError::Payload {
                event_type: P::TYPE.as_str(),
                source,
            })?,
        })
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, EventError> {
        serde_json::from_slice(bytes).map_err(EventError::Malformed)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of plain fields and a JSON value cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The typed payload, checking the type and version.
    pub fn payload<P: EventPayload>(&self) -> Result<P, EventError> {
        if self.event_type != P::TYPE {
            return Err(EventError::WrongType {
                expected: P::TYPE.as_str(),
                found: self.event_type.as_str(),
            });
        }
        if self.version != P::VERSION {
            return Err(EventError::UnsupportedVersion {
                event_type: P::TYPE.as_str(),
                version: self.version,
            });
        }
        serde_json::from_value(self.payload.clone()).map_err(|source| EventError::Payload {
            event_type: P::TYPE.as_str(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::payloads::{OrderCreated, OrderLineItem, StockReserved};
    use crate::money::Money;

    fn order_created() -> OrderCreated {
        OrderCreated {
            order_id: Uuid::nil(),
            user_id: Uuid::nil(),
            user_email: "ada@example.com".into(),
            total_price: Money::from_cents(5997),
            items: vec![OrderLineItem {
                product_id: Uuid::nil(),
                quantity: 3,
                unit_price: Money::from_cents(1999),
            }],
        }
    }

    #[test]
    fn envelope_has_the_documented_fields() {
        let event = Event::new(&order_created()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&event.to_bytes()).unwrap();
        for field in ["eventId", "occurredAt", "type", "version", "payload"] {
            assert!(json.get(field).is_some(), "missing {field} in {json}");
        }
        assert_eq!(json["type"], "order_created");
        assert_eq!(json["payload"]["totalPrice"].to_string(), "59.97");
        assert_eq!(
            json["payload"]["items"][0]["unitPrice"].to_string(),
            "19.99"
        );
    }

    #[test]
    fn payload_round_trips() {
        let event = Event::new(&order_created()).unwrap();
        let back = Event::from_bytes(&event.to_bytes()).unwrap();
        assert_eq!(back.payload::<OrderCreated>().unwrap(), order_created());
    }

    #[test]
    fn asking_for_the_wrong_type_is_an_error() {
        let event = Event::new(&order_created()).unwrap();
        assert!(matches!(
            event.payload::<StockReserved>(),
            Err(EventError::WrongType { .. })
        ));
    }

    #[test]
    fn garbage_is_malformed() {
        assert!(matches!(
            Event::from_bytes(b"{not json"),
            Err(EventError::Malformed(_))
        ));
        assert!(matches!(
            Event::from_bytes(br#"{"eventId":"x"}"#),
            Err(EventError::Malformed(_))
        ));
    }
}
