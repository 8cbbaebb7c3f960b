//! Orders as the business sees them: statuses and their legal transitions, and the
//! rules a new order must satisfy. No I/O here.

mod new_order;
mod order;
mod status;

pub use new_order::{NewOrder, OrderLine, PricedLine, PricedOrder, PricingError, Quantity};
pub use order::{Order, OrderItem, Shipment};
pub use status::{OrderStatus, UnknownStatus};
