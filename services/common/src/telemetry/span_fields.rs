//! The fields of a span as the JSON object the JSON log lines carry, written straight
//! into the span's text.
//!
//! Every request opens a span (the gateway's `request`, each service's `rpc`), and the
//! log layer formats its fields when it opens, whether or not anything is logged in
//! it. tracing-subscriber's `JsonFields` collects them into a map of `serde_json`
//! values, each a `String` of its own, and then serialises the map: half a dozen
//! allocations per span. This writes the same object with no allocation but the
//! span's text itself.

use std::cell::RefCell;
use std::fmt::{self, Write};

use tracing::field::{Field, Visit};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::FormatFields;
use tracing_subscriber::fmt::FormattedFields;
use tracing_subscriber::fmt::format::Writer;

/// Formats span fields as one JSON object (`{"method":"GET","request_id":"..."}`),
/// which the JSON event format reads back into each line logged in the span.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonSpanFields;

/// Most the scratch string keeps between spans.
const SCRATCH_CAPACITY: usize = 4096;

thread_local! {
    /// Where a span's object is put together before it is copied to the span's text.
    static SCRATCH: RefCell<String> = const { RefCell::new(String::new()) };
}

impl<'writer> FormatFields<'writer> for JsonSpanFields {
    /// The object is written to a per-thread scratch string, then to the span's empty
    /// text at once: one allocation of the right size, where writing piece by piece
    /// grew it five times over (8, 16, ... 128 bytes).
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        SCRATCH.with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut text) => {
                text.clear();
                let written = write_object(Writer::new(&mut *text), fields)
                    .and_then(|()| writer.write_str(&text));
                if text.capacity() > SCRATCH_CAPACITY {
                    // One span with a huge field does not keep its memory on the thread.
                    *text = String::new();
                }
                written
            }
            // A field formatted while formatting another span's: write directly.
            Err(_) => write_object(writer, fields),
        })
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
        // `{...}` loses its closing brace and goes on with the new fields.
        let has_fields = current.fields.len() > "{}".len();
        current.fields.pop();
        let mut object = JsonObject::continuing(current.as_writer(), has_fields);
        fields.record(&mut object);
        object.finish()
    }
}

fn write_object<R: RecordFields>(writer: Writer<'_>, fields: R) -> fmt::Result {
    let mut object = JsonObject::new(writer);
    fields.record(&mut object);
    object.finish()
}

/// A JSON object being written: `{`, then `"name":value` pairs, then `}`.
struct JsonObject<'writer> {
    writer: Writer<'writer>,
    has_fields: bool,
    result: fmt::Result,
}

impl<'writer> JsonObject<'writer> {
    fn new(mut writer: Writer<'writer>) -> Self {
        let result = writer.write_char('{');
        Self {
            writer,
            has_fields: false,
            result,
        }
    }

    /// After an object's fields, whose `}` was taken off.
    fn continuing(writer: Writer<'writer>, has_fields: bool) -> Self {
        Self {
            writer,
            has_fields,
            result: Ok(()),
        }
    }

    fn finish(mut self) -> fmt::Result {
        self.result?;
        self.writer.write_char('}')
    }

    /// Writes `"name":` and then the value with `value`.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'writer>) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let separator = if self.has_fields { "," } else { "" };
        self.has_fields = true;
        self.result = (self.writer.write_str(separator))
            .and_then(|()| write_string(&mut self.writer, format_args!("{}", field.name())))
            .and_then(|()| self.writer.write_char(':'))
            .and_then(|()| value(&mut self.writer));
    }
}

impl Visit for JsonObject<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w| write_string(w, format_args!("{value}")));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(field, |w| write_string(w, format_args!("{value:?}")));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.field(field, |w| write_string(w, format_args!("{value}")));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_i128(&mut self, field: &Field, value: i128) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_u128(&mut self, field: &Field, value: u128) {
        self.field(field, |w| write!(w, "{value}"));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w| write!(w, "{value}"));
    }

    /// JSON has no NaN or infinity: those are `null`, as serde_json writes them.
    fn record_f64(&mut self, field: &Field, value: f64) {
        if value.is_finite() {
            self.field(field, |w| write!(w, "{value}"));
        } else {
            self.field(field, |w| w.write_str("null"));
        }
    }
}

/// `text` as a JSON string, escaped as it is written.
fn write_string(writer: &mut Writer<'_>, text: fmt::Arguments<'_>) -> fmt::Result {
    writer.write_char('"')?;
    Escaped(writer).write_fmt(text)?;
    writer.write_char('"')
}

/// Escapes what JSON strings may not hold as such: quotes, backslashes and control
/// characters.
struct Escaped<'a, 'writer>(&'a mut Writer<'writer>);

impl Write for Escaped<'_, '_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut plain = 0;
        for (at, byte) in text.bytes().enumerate() {
            let escape = match byte {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0x00..=0x1f => "",
                _ => continue,
            };
            self.0.write_str(&text[plain..at])?;
            if escape.is_empty() {
                write!(self.0, "\\u{byte:04x}")?;
            } else {
                self.0.write_str(escape)?;
            }
            plain = at + 1;
        }
        self.0.write_str(&text[plain..])
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
        let long = "x".repeat(2 * SCRATCH_CAPACITY);
        let lines = logged(|| {
            let span = tracing::info_span!("request", nested = ?Nested, long = %long);
            let _entered = span.enter();
            tracing::info!("done");
        });
        assert_eq!(lines[0]["span"]["nested"], "outer");
        assert_eq!(lines[0]["span"]["long"], long.as_str());
        SCRATCH.with(|scratch| assert!(scratch.borrow().capacity() <= SCRATCH_CAPACITY));
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
