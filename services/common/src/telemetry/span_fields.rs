//! The fields of a span as the JSON object the JSON log lines carry, written straight
//! into the span's text.
//!
//! Every request opens a span (the gateway's `request`, each service's `rpc`), and the
//! log layer formats its fields when it opens, whether or not anything is logged in
//! it. tracing-subscriber's `JsonFields` collects them into a map of `serde_json`
//! values, each a `String` of its own, and then serialises the map: half a dozen
//! allocations per span. This serialises each field as it is visited, into the
//! thread's scratch buffer, and copies the object once into the span's text.

use std::fmt;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer as _};
use serde_json::ser::{CompactFormatter, Compound};
use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::Writer;

use crate::scratch;

/// Formats span fields as one JSON object (`{"method":"GET","request_id":"..."}`),
/// which the JSON event format reads back into each line logged in the span.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonSpanFields;

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        scratch::with_buffer(|buffer| writer.write_str(object_of(buffer, fields)?))
    }

    /// Fields recorded after the span opened are added to its object (a field
    /// recorded twice appears twice; reading the object back keeps the last).
    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        if current.fields.is_empty() {
            return self.format_fields(current.as_writer(), fields);
        }
        scratch::with_buffer(|buffer| {
            let added = object_of(buffer, fields)?;
            // The new object's members go inside the current one's braces.
            let members = &added[1..added.len() - 1];
            if !members.is_empty() {
                let text = &mut current.fields;
                text.pop();
                if text.len() > "{".len() {
                    text.push(',');
                }
                text.push_str(members);
                text.push('}');
            }
            Ok(())
        })
    }
}

/// `fields` as a JSON object, written into `buffer`.
fn object_of<R: RecordFields>(buffer: &mut Vec<u8>, fields: R) -> Result<&str, fmt::Error> {
    let mut serializer = serde_json::Serializer::new(&mut *buffer);
    let mut object = JsonObject {
        map: serializer.serialize_map(None).map_err(|_| fmt::Error)?,
        result: Ok(()),
    };
    fields.record(&mut object);
    object
        .result
        .and_then(|()| object.map.end())
        .map_err(|_| fmt::Error)?;
    // serde_json writes UTF-8 only.
    std::str::from_utf8(buffer).map_err(|_| fmt::Error)
}

/// The object's members, serialised as they are visited.
struct JsonObject<'a> {
    map: Compound<'a, &'a mut Vec<u8>, CompactFormatter>,
    result: serde_json::Result<()>,
}

impl JsonObject<'_> {
    fn member(&mut self, field: &Field, value: &impl Serialize) {
        if self.result.is_ok() {
            self.result = self.map.serialize_entry(field.name(), value);
        }
    }
}

/// A `Display` or `Debug` value as a JSON string, escaped as it is formatted.
struct Text<'a>(fmt::Arguments<'a>);

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

/// Numbers and booleans as JSON ones (NaN and infinity as `null`, which serde_json
/// writes for them), everything else as a string.
impl Visit for JsonObject<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.member(field, &value);
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.member(field, &Text(format_args!("{value:?}")));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.member(field, &Text(format_args!("{value}")));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.member(field, &value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.member(field, &value);
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.member(field, &value);
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.member(field, &value);
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.member(field, &value);
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.member(field, &value);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::prelude::*;

    use super::*;

    /// Log lines written to memory.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    /// The JSON lines logged by `body`, with the layer set up as the services do.
    fn logged(body: impl FnOnce()) -> Vec<serde_json::Value> {
        let lines = Lines::default();
        let layer = tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .fmt_fields(JsonSpanFields)
            .with_writer(lines.clone());
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, body);
        let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    #[test]
    fn a_line_logged_in_a_span_carries_its_fields() {
        let lines = logged(|| {
            let span = tracing::info_span!(
                "request",
                method = %"GET",
                request_id = "req-1",
                attempt = 2u64,
                delta = -3i64,
                cached = true,
                ratio = 0.5f64,
                odd = f64::NAN,
            );
            let _entered = span.enter();
            tracing::info!("done");
        });
        let span = &lines[0]["span"];
        assert_eq!(span["name"], "request");
        assert_eq!(span["method"], "GET");
        assert_eq!(span["request_id"], "req-1");
        assert_eq!(span["attempt"], 2);
        assert_eq!(span["delta"], -3);
        assert_eq!(span["cached"], true);
        assert_eq!(span["ratio"], 0.5);
        assert!(span["odd"].is_null());
    }

    #[test]
    fn quotes_backslashes_and_control_characters_are_escaped() {
        let nasty = "a\"b\\c\nd\te\u{1}f é";
        let lines = logged(|| {
            let span = tracing::info_span!("request", path = %nasty, debug = ?nasty);
            let _entered = span.enter();
            tracing::info!("done");
        });
        assert_eq!(lines[0]["span"]["path"], nasty);
        assert_eq!(lines[0]["span"]["debug"], format!("{nasty:?}"));
    }

    /// Opens a span of its own while it is being formatted.
    struct Nested;

    impl fmt::Debug for Nested {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let _inner = tracing::info_span!("inner", depth = 2u64);
            f.write_str("outer")
        }
    }

    #[test]
    fn a_span_opened_while_fields_are_formatted_gets_its_own() {
        let long = "x".repeat(2 * scratch::KEPT_CAPACITY);
        let lines = logged(|| {
            let span = tracing::info_span!("request", nested = ?Nested, long = %long);
            let _entered = span.enter();
            tracing::info!("done");
        });
        assert_eq!(lines[0]["span"]["nested"], "outer");
        assert_eq!(lines[0]["span"]["long"], long.as_str());
    }

    #[test]
    fn fields_recorded_later_join_the_object() {
        let lines = logged(|| {
            let span = tracing::info_span!("request", first = 1u64, later = tracing::field::Empty);
            span.record("later", "yes");
            let _entered = span.enter();
            tracing::info!("done");
            let empty = tracing::info_span!("bare", later = tracing::field::Empty);
            empty.record("later", 7u64);
            let _entered = empty.enter();
            tracing::info!("done");
        });
        assert_eq!(lines[0]["span"]["first"], 1);
        assert_eq!(lines[0]["span"]["later"], "yes");
        assert_eq!(lines[1]["span"]["later"], 7);
    }
}
