//! The life of an order.

use std::fmt;
use std::str::FromStr;

use shop_proto::orders::v1 as pb;

/// Where an order is in its life.
///
/// ```text
/// pending ──stock reserved──▶ confirmed ──shipped──▶ shipped ──admin──▶ delivered
///    │                            │
///    └──stock rejected / admin──▶ cancelled ◀──admin──┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Pending,
    Confirmed,
    Cancelled,
    Shipped,
    Delivered,
}

impl OrderStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Cancelled => "cancelled",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
        }
    }

    /// Whether an order may move from `self` to `next`.
    pub fn can_become(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Confirmed)
                | (Pending, Cancelled)
                | (Confirmed, Shipped)
                | (Confirmed, Cancelled)
                | (Shipped, Delivered)
        )
    }

    /// No further change can happen.
    pub fn is_final(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Delivered)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown order status `{0}`")]
pub struct UnknownStatus(pub String);

impl FromStr for OrderStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(OrderStatus::Pending),
            "confirmed" => Ok(OrderStatus::Confirmed),
            "cancelled" => Ok(OrderStatus::Cancelled),
            "shipped" => Ok(OrderStatus::Shipped),
            "delivered" => Ok(OrderStatus::Delivered),
            other => Err(UnknownStatus(other.to_owned())),
        }
    }
}

impl From<OrderStatus> for pb::OrderStatus {
    fn from(status: OrderStatus) -> Self {
        match status {
            OrderStatus::Pending => pb::OrderStatus::Pending,
            OrderStatus::Confirmed => pb::OrderStatus::Confirmed,
            OrderStatus::Cancelled => pb::OrderStatus::Cancelled,
            OrderStatus::Shipped => pb::OrderStatus::Shipped,
            OrderStatus::Delivered => pb::OrderStatus::Delivered,
        }
    }
}

impl TryFrom<pb::OrderStatus> for OrderStatus {
    type Error = UnknownStatus;
    fn try_from(status: pb::OrderStatus) -> Result<Self, Self::Error> {
        match status {
            pb::OrderStatus::Pending => Ok(OrderStatus::Pending),
            pb::OrderStatus::Confirmed => Ok(OrderStatus::Confirmed),
            pb::OrderStatus::Cancelled => Ok(OrderStatus::Cancelled),
            pb::OrderStatus::Shipped => Ok(OrderStatus::Shipped),
            pb::OrderStatus::Delivered => Ok(OrderStatus::Delivered),
            pb::OrderStatus::Unspecified => Err(UnknownStatus("ORDER_STATUS_UNSPECIFIED".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OrderStatus::{self, *};

    const ALL: [OrderStatus; 5] = [Pending, Confirmed, Cancelled, Shipped, Delivered];

    #[test]
    fn the_flow_moves_forward_only() {
        assert!(Pending.can_become(Confirmed));
        assert!(Confirmed.can_become(Shipped));
        assert!(Shipped.can_become(Delivered));
        assert!(!Confirmed.can_become(Pending));
        assert!(!Shipped.can_become(Confirmed));
        assert!(
            !Pending.can_become(Shipped),
            "shipping needs a confirmed order"
        );
    }

    #[test]
    fn cancelling_is_possible_until_shipped() {
        assert!(Pending.can_become(Cancelled));
        assert!(Confirmed.can_become(Cancelled));
        assert!(!Shipped.can_become(Cancelled));
        assert!(!Delivered.can_become(Cancelled));
    }

    #[test]
    fn final_states_go_nowhere() {
        for from in [Cancelled, Delivered] {
            assert!(from.is_final());
            assert!(ALL.iter().all(|to| !from.can_become(*to)), "{from} moved");
        }
    }

    #[test]
    fn no_status_becomes_itself() {
        assert!(ALL.iter().all(|s| !s.can_become(*s)));
    }

    #[test]
    fn names_round_trip() {
        for status in ALL {
            assert_eq!(status.as_str().parse::<OrderStatus>().unwrap(), status);
        }
        assert!("lost".parse::<OrderStatus>().is_err());
    }
}
