//! Events of the order flow on Kafka.
//!
//! - [`envelope`]: the JSON envelope every event travels in, and the event types.
//! - [`payloads`]: the payload of each event type.
//! - [`kafka`]: connection settings and topic creation.
//! - [`producer`]: the producer, which waits for the broker's acknowledgement.
//! - [`consumer`]: the consumer-group loop (at-least-once, dead-letter topic).

pub mod consumer;
pub mod envelope;
pub mod kafka;
pub mod payloads;
pub mod producer;

pub use consumer::{Consumer, EventConsumer, EventHandler, HandleError};
pub use envelope::{Event, EventError, EventPayload, EventType};
pub use kafka::KafkaConfig;
pub use producer::EventProducer;
