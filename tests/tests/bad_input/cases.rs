//! Bad requests, built from a route and a valid body by breaking one thing at a time.

use reqwest::Method;
use serde_json::{Value, json};

/// The gateway's default `BODY_LIMIT`.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// One bad request and the status it must get.
pub struct Case {
    pub what: String,
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    pub content_type: Option<&'static str>,
    pub body: Vec<u8>,
    pub expect: u16,
}

/// The routes that take a JSON body, with a token that may call them and a valid body
/// (each case breaks one thing in it).
pub struct Target {
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    pub valid: Value,
}

pub fn case(target: &Target, what: &str, body: Vec<u8>, expect: u16) -> Case {
    Case {
        what: format!("{} {}: {what}", target.method, target.path),
        method: target.method.clone(),
        path: target.path.clone(),
        token: target.token.clone(),
        content_type: Some("application/json"),
        body,
        expect,
    }
}

/// `valid` with `field` set to `value` (a new field if it was not there).
pub fn with(valid: &Value, field: &str, value: Value) -> Vec<u8> {
    let mut body = valid.clone();
    body[field] = value;
    body.to_string().into_bytes()
}

/// Bad bodies that do not depend on the route.
pub fn shape_cases(target: &Target) -> Vec<Case> {
    let valid = target.valid.to_string();
    let deep_arrays = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_objects = format!("{}1{}", r#"{"a":"#.repeat(10_000), "}".repeat(10_000));
    let big_string = json!({"padding": "x".repeat(BODY_LIMIT)}).to_string();
    let mut invalid_utf8 = valid.clone().into_bytes();
    invalid_utf8.splice(1..1, *b"\"\xff\xfe\": 1, ");
    let mut cases = vec![
        case(
            target,
            "a body over the limit",
            big_string.into_bytes(),
            413,
        ),
        case(
            target,
            "100000 nested arrays",
            deep_arrays.into_bytes(),
            400,
        ),
        case(
            target,
            "10000 nested objects",
            deep_objects.into_bytes(),
            400,
        ),
        case(target, "invalid UTF-8", invalid_utf8, 400),
        case(
            target,
            "truncated JSON",
            valid[..valid.len() / 2].into(),
            400,
        ),
        case(
            target,
            "trailing garbage",
            format!("{valid} {{}}").into_bytes(),
            400,
        ),
        case(target, "an empty body", Vec::new(), 400),
        case(target, "null", b"null".to_vec(), 400),
        case(target, "an array", b"[]".to_vec(), 400),
        case(target, "a number", b"42".to_vec(), 400),
        case(
            target,
            "an unknown field",
            with(&target.valid, "isAdmin", json!(true)),
            400,
        ),
    ];
    let mut text = case(target, "text/plain", valid.clone().into_bytes(), 415);
    text.content_type = Some("text/plain");
    let mut untyped = case(target, "no content type", valid.into_bytes(), 415);
    untyped.content_type = None;
    cases.extend([text, untyped]);
    cases
}

/// Out-of-range numbers, wrong types and NUL characters in `target`'s fields.
pub fn field_cases(target: &Target, fields: &[(&str, Vec<Value>)]) -> Vec<Case> {
    let mut cases = Vec::new();
    for (field, values) in fields {
        for value in values {
            let body = with(&target.valid, field, value.clone());
            let what = format!("{field} = {}", truncate(&value.to_string()));
            cases.push(case(target, &what, body, 400));
        }
    }
    cases
}

pub fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Raw JSON for numbers serde_json would not print: huge and overflowing literals.
pub fn raw_number(valid: &Value, field: &str, literal: &str) -> Vec<u8> {
    let marker = "\"__number__\"";
    with(valid, field, json!("__number__"))
        .iter()
        .map(|b| *b as char)
        .collect::<String>()
        .replace(marker, literal)
        .into_bytes()
}

pub fn numbers() -> Vec<Value> {
    vec![
        json!(-1),
        json!(2_147_483_648_u64),
        json!(u64::MAX),
        json!(1.5),
        json!(-0.5),
    ]
}

pub fn wrong_types() -> Vec<Value> {
    vec![
        json!("7"),
        json!(true),
        json!(null),
        json!([1]),
        json!({"$gt": 0}),
    ]
}

/// Bad values for a text field (`null` only where the field is required: in a
/// `PATCH` it means "leave as it is").
pub fn texts() -> Vec<Value> {
    vec![
        json!(123),
        json!(["x"]),
        json!({"$ne": null}),
        json!("nul\u{0}inside"),
    ]
}

pub fn required_texts() -> Vec<Value> {
    let mut values = texts();
    values.push(json!(null));
    values
}
