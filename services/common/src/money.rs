//! Exact money: an integer number of cents.
//!
//! In JSON a price is a number with two decimals (`19.90`), as the seed API showed it;
//! in protobuf it is `Money { cents }`; in PostgreSQL `NUMERIC(12,2)`.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use shop_proto::common::v1 as pb;

/// An amount of money in cents. Arithmetic is checked: an overflow is an error, never a
/// wrapped or rounded number.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("`{0}` is not an amount of money (expected e.g. 19.99)")]
    Malformed(String),
    #[error("an amount of money has at most two decimals, `{0}` has more")]
    TooPrecise(String),
    #[error("the amount is too large")]
    Overflow,
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_cents(cents: i64) -> Self {
        Self(cents)
    }

    pub const fn cents(self) -> i64 {
        self.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    pub fn checked_mul(self, quantity: u32) -> Result<Money, MoneyError> {
        self.0
            .checked_mul(i64::from(quantity))
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }

    /// The sum of `amounts`, or an overflow error.
    pub fn sum(amounts: impl IntoIterator<Item = Money>) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::ZERO, Money::checked_add)
    }

    /// As a decimal with two places (for `NUMERIC` columns).
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 2)
    }

    /// From a decimal with at most two places.
    pub fn from_decimal(value: Decimal) -> Result<Self, MoneyError> {
        let normalized = value.normalize();
        if normalized.scale() > 2 {
            return Err(MoneyError::TooPrecise(value.to_string()));
        }
        normalized
            .checked_mul(Decimal::ONE_HUNDRED)
            .and_then(|cents| cents.to_i64())
            .map(Money)
            .ok_or(MoneyError::Overflow)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Money {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value = Decimal::from_str(s.trim()).map_err(|_| MoneyError::Malformed(s.to_owned()))?;
        Money::from_decimal(value)
    }
}

impl From<Money> for pb::Money {
    fn from(money: Money) -> Self {
        pb::Money { cents: money.0 }
    }
}

impl From<pb::Money> for Money {
    fn from(money: pb::Money) -> Self {
        Money(money.cents)
    }
}

/// A JSON number with exactly two decimals: `19.90`, not `19.9` or `"19.90"`.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

/// Accepts a JSON number or a decimal string, with at most two decimals.
impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MoneyVisitor)
    }
}

struct MoneyVisitor;

impl Visitor<'_> for MoneyVisitor {
    type Value = Money;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an amount of money such as 19.99")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Money, E> {
        v.checked_mul(100)
            .map(Money)
            .ok_or_else(|| E::custom(MoneyError::Overflow))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Money, E> {
        i64::try_from(v)
            .map_err(|_| E::custom(MoneyError::Overflow))
            .and_then(|v| self.visit_i64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Money, E> {
        // The shortest representation that round-trips is what the client wrote
        // (e.g. 19.99), so parsing its text is exact.
        if !v.is_finite() {
            return Err(E::custom(MoneyError::Malformed(v.to_string())));
        }
        Money::from_str(&v.to_string()).map_err(E::custom)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Money, E> {
        Money::from_str(v).map_err(E::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_times_nineteen_ninety_nine_is_exact() {
        let price: Money = "19.99".parse().unwrap();
        assert_eq!(price.checked_mul(3).unwrap().to_string(), "59.97");
    }

    #[test]
    fn json_shows_two_decimals_as_a_number() {
        let json = serde_json::to_string(&Money::from_cents(1990)).unwrap();
        assert_eq!(json, "19.90");
        assert_eq!(
            serde_json::to_string(&Money::from_cents(-5)).unwrap(),
            "-0.05"
        );
    }

    #[test]
    fn json_numbers_and_strings_parse_exactly() {
        assert_eq!(
            serde_json::from_str::<Money>("19.99").unwrap().cents(),
            1999
        );
        assert_eq!(serde_json::from_str::<Money>("0.1").unwrap().cents(), 10);
        assert_eq!(serde_json::from_str::<Money>("7").unwrap().cents(), 700);
        assert_eq!(
            serde_json::from_str::<Money>("\"1234.50\"")
                .unwrap()
                .cents(),
            123450
        );
    }

    #[test]
    fn more_than_two_decimals_is_refused() {
        assert!(serde_json::from_str::<Money>("19.999").is_err());
        assert_eq!(
            "0.001".parse::<Money>(),
            Err(MoneyError::TooPrecise("0.001".into()))
        );
        assert!("abc".parse::<Money>().is_err());
    }

    #[test]
    fn trailing_zeros_are_not_precision() {
        assert_eq!("19.9900".parse::<Money>().unwrap().cents(), 1999);
    }

    #[test]
    fn decimal_round_trip() {
        let m = Money::from_cents(123456);
        assert_eq!(m.to_decimal().to_string(), "1234.56");
        assert_eq!(Money::from_decimal(m.to_decimal()).unwrap(), m);
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(
            Money::from_cents(i64::MAX).checked_mul(2),
            Err(MoneyError::Overflow)
        );
        assert!(Money::sum([Money::from_cents(i64::MAX), Money::from_cents(1)]).is_err());
    }
}
