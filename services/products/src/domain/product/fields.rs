//! The rules of each product field, shared by creation and partial updates.

use shop_common::error::FieldViolation;
use shop_common::money::Money;
use shop_common::text;

/// Longest accepted product name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest accepted description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5_000;
/// Most images a product may have.
pub const MAX_IMAGES: usize = 20;
/// Longest accepted image URL, in bytes.
pub const MAX_URL_LEN: usize = 2_048;
/// Highest price a `NUMERIC(12,2)` column holds: 9 999 999 999.99.
pub const MAX_PRICE: Money = Money::from_cents(999_999_999_999);

/// The value if valid; otherwise its violation is recorded.
pub(super) fn check<T>(
    result: Result<T, FieldViolation>,
    violations: &mut Vec<FieldViolation>,
) -> Option<T> {
    result.map_err(|v| violations.push(v)).ok()
}

/// The value if valid; otherwise its violations are recorded.
pub(super) fn check_all<T>(
    result: Result<T, Vec<FieldViolation>>,
    violations: &mut Vec<FieldViolation>,
) -> Option<T> {
    result.map_err(|v| violations.extend(v)).ok()
}

pub(super) fn parse_name(raw: &str) -> Result<String, FieldViolation> {
    text::required(raw, MAX_NAME_CHARS).map_err(|e| e.on("name"))
}

pub(super) fn parse_description(raw: &str) -> Result<String, FieldViolation> {
    text::bounded(raw, MAX_DESCRIPTION_CHARS).map_err(|e| e.on("description"))
}

/// Money in cents has two decimals by construction; only the range is checked.
pub(super) fn parse_price(price: Money) -> Result<Money, FieldViolation> {
    if price.is_negative() {
        return Err(FieldViolation::new("price", "must not be negative"));
    }
    if price > MAX_PRICE {
        return Err(FieldViolation::new(
            "price",
            format!("must be at most {MAX_PRICE}"),
        ));
    }
    Ok(price)
}

pub(super) fn parse_stock(stock: i32) -> Result<i32, FieldViolation> {
    if stock < 0 {
        return Err(FieldViolation::new("stock", "must not be negative"));
    }
    Ok(stock)
}

pub(super) fn parse_images(raw: &[String]) -> Result<Vec<String>, Vec<FieldViolation>> {
    if raw.len() > MAX_IMAGES {
        return Err(vec![FieldViolation::new(
            "images",
            format!("at most {MAX_IMAGES} images"),
        )]);
    }
    let mut violations = Vec::new();
    let images: Vec<String> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, url)| check(parse_image_url(i, url), &mut violations))
        .collect();
    if violations.is_empty() {
        Ok(images)
    } else {
        Err(violations)
    }
}

fn parse_image_url(index: usize, raw: &str) -> Result<String, FieldViolation> {
    let field = format!("images[{index}]");
    let raw = raw.trim();
    if raw.len() > MAX_URL_LEN {
        return Err(FieldViolation::new(
            field,
            format!("must be at most {MAX_URL_LEN} bytes"),
        ));
    }
    let invalid = || FieldViolation::new(field.clone(), "must be an http(s) URL with a host");
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    let web = matches!(url.scheme(), "http" | "https");
    if !web || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(raw.to_owned())
}
