//! Tracking numbers, derived from the order id so a redelivered `order_confirmed`
//! ships under the same number.

use uuid::Uuid;

/// The namespace of rustshop tracking numbers (a fixed, random UUID).
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a7e_93b4_4d0a_8e55_1f0c_7d2b_9a41);

/// `RS-XXXX-XXXX-XXXX`: 48 bits of a name-based UUID of the order id.
pub fn tracking_number(order_id: Uuid) -> String {
    let hex = Uuid::new_v5(&NAMESPACE, order_id.as_bytes())
        .simple()
        .to_string()
        .to_ascii_uppercase();
    format!("RS-{}-{}-{}", &hex[0..4], &hex[4..8], &hex[8..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_order_same_number() {
        let order = Uuid::now_v7();
        assert_eq!(tracking_number(order), tracking_number(order));
    }

    #[test]
    fn orders_placed_together_get_different_numbers() {
        // v7 ids of one millisecond share their first 48 bits; the number must not.
        let numbers: std::collections::HashSet<_> =
            (0..1000).map(|_| tracking_number(Uuid::now_v7())).collect();
        assert_eq!(numbers.len(), 1000);
    }

    #[test]
    fn numbers_have_the_documented_shape() {
        let number = tracking_number(Uuid::nil());
        assert_eq!(number.len(), 17);
        assert!(number.starts_with("RS-"));
        assert!(
            number[3..]
                .chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit())
        );
    }
}
