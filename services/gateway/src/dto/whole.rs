//! Whole numbers as JSON Schema counts them: `82` and `82.0` alike. The OpenAPI
//! document calls counts `integer`, which admits `82.0`; serde's integer types refuse
//! it, so body fields holding counts are read with `#[serde(deserialize_with =
//! "whole::deserialize")]` (or `whole::option` for optional ones).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Unexpected, Visitor};

/// A whole number that fits `T`; a fraction, another type or an out-of-range value
/// is an error naming what was expected.
pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + Bounds,
{
    deserializer.deserialize_any(WholeVisitor(PhantomData))
}

/// As [`deserialize`], for an optional field (`null` or absent is `None`).
pub fn option<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64> + Bounds,
{
    Option::<Whole<T>>::deserialize(deserializer).map(|value| value.map(|whole| whole.0))
}

/// The range of a whole-number type, for error messages.
pub trait Bounds {
    const RANGE: &'static str;
}

impl Bounds for u32 {
    const RANGE: &'static str = "a whole number from 0 to 4294967295";
}

impl Bounds for i32 {
    const RANGE: &'static str = "a whole number from -2147483648 to 2147483647";
}

struct Whole<T>(T);

impl<'de, T: TryFrom<i64> + Bounds> Deserialize<'de> for Whole<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(Whole)
    }
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<i64> + Bounds> Visitor<'_> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::RANGE)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        i64::try_from(v)
            .ok()
            .and_then(|v| T::try_from(v).ok())
            .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // Within ±2^53 every f64 with no fraction is exactly that whole number.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            #[allow(clippy::cast_possible_truncation)] // whole and in range: exact
            return self.visit_i64(v as i64);
        }
        Err(E::invalid_value(Unexpected::Float(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Line {
        #[serde(deserialize_with = "super::deserialize")]
        quantity: u32,
        #[serde(default, deserialize_with = "super::option")]
        stock: Option<i32>,
    }

    fn parse(json: &str) -> Result<Line, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn whole_numbers_are_taken_with_or_without_a_point() {
        let line = parse(r#"{"quantity": 82.0, "stock": -3}"#).unwrap();
        assert_eq!((line.quantity, line.stock), (82, Some(-3)));
        let line = parse(r#"{"quantity": 7, "stock": null}"#).unwrap();
        assert_eq!((line.quantity, line.stock), (7, None));
        assert_eq!(parse(r#"{"quantity": 1}"#).unwrap().stock, None);
    }

    #[test]
    fn fractions_other_types_and_out_of_range_values_are_refused() {
        for json in [
            r#"{"quantity": 1.5}"#,
            r#"{"quantity": -1}"#,
            r#"{"quantity": 4294967296}"#,
            r#"{"quantity": 1e300}"#,
            r#"{"quantity": "2"}"#,
            r#"{"quantity": 1, "stock": 2147483648}"#,
        ] {
            let error = parse(json).unwrap_err();
            assert!(
                error.contains("whole number") || error.contains("invalid type"),
                "{json}: {error}"
            );
        }
    }
}
