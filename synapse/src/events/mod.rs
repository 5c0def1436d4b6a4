//! One typed event stream for everything an action says.
//!
//! Logs, progress, metrics, user messages, developer events, and the final result or error are
//! all [`Event`]s carrying the run id, a sequence number and a timestamp. [Sinks](sink) consume
//! them: the console, JSON lines (the wire format every process boundary speaks), memory (for
//! tests). The JSON-lines format is versioned ([`EVENT_SCHEMA_VERSION`]) and published as a
//! JSON Schema ([`event_schema`], `plugin schema --events`).
//!
//! ```
//! use synapse::events::{Event, EventKind};
//!
//! let line = r#"{"v":1,"run":"r1","seq":3,"ts":"2026-11-24T10:00:00.000001Z","type":"progress","category":null,"current":5,"total":10}"#;
//! let event: Event = serde_json::from_str(line).unwrap();
//! assert_eq!(event.seq, 3);
//! assert!(matches!(event.kind, EventKind::Progress { current: 5, total: 10, .. }));
//! assert_eq!(serde_json::to_string(&event).unwrap(), line);
//! ```

mod attachment;
pub mod capture;
mod emitter;
mod message_code;
mod model;
mod progress;
mod report;
pub(crate) mod rfc3339;
pub mod sink;
mod terminal;

pub use attachment::{Attachment, AttachmentError, data_uri_summary};
pub use capture::LogCapture;
pub use emitter::{Emitter, ProgressHandle};
pub use message_code::{DEFAULT_LANGUAGE, LANGUAGE_VAR, MessageCode};
pub use model::{EVENT_SCHEMA_VERSION, Event, EventKind, LogLevel, Metrics, PlannedStep, RunId};
pub(crate) use progress::{OVERALL_UNITS, OverallProgress};
pub use report::{ErrorKind, ErrorReport, RollbackOutcome};
pub use sink::EventSink;
pub use terminal::{Reportable, TerminalGuard};

/// The JSON Schema of one JSON-lines event line (version [`EVENT_SCHEMA_VERSION`]).
///
/// ```
/// let schema = synapse::events::event_schema();
/// assert_eq!(schema["title"], "Event");
/// assert!(!schema.to_string().contains("](crate::"), "no rustdoc links in its descriptions");
/// ```
pub fn event_schema() -> serde_json::Value {
    let mut schema = crate::params::schema_of::<Event>();
    plain_descriptions(&mut schema);
    schema
}

/// The descriptions come from the rustdoc of the event types: their intra-doc links
/// (`` [`Context::logger`](crate::Context::logger) ``, `` [`EVENT_SCHEMA_VERSION`] ``) are
/// written as the plain names a reader of the schema knows them by.
fn plain_descriptions(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    serde_json::Value::String(text) if key == "description" => *text = without_links(text),
                    other => plain_descriptions(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(plain_descriptions),
        _ => {}
    }
}

/// `text` with every markdown link `[label](target)` and reference `[label]` as its label.
fn without_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        out.push_str(&rest[open + 1..open + close]);
        rest = &rest[open + close + 1..];
        if rest.starts_with('(')
            && let Some(end) = rest.find(')')
        {
            rest = &rest[end + 1..];
        }
    }
    out.push_str(rest);
    out
}
