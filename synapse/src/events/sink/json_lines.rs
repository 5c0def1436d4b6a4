//! The JSON-lines wire format: one event per line.

use super::EventSink;
use crate::events::Event;
use std::io::{self, BufWriter, Write};
use std::sync::{Mutex, PoisonError};

/// Prefix that marks an event line in a stream shared with other output (Ray job logs mix our
/// lines with Ray's own). [`JsonLinesSink::marked`] writes it; readers skip lines without it.
pub const EVENT_LINE_MARKER: &str = "@synapse-event ";

/// Writes each event as one line of JSON.
///
/// ```
/// use synapse::events::{Emitter, RunId, sink::JsonLinesSink};
/// use std::sync::{Arc, Mutex};
///
/// let sink = Arc::new(JsonLinesSink::new(Vec::<u8>::new()));
/// let emitter = Emitter::new(RunId::from("r1"), vec![sink.clone()]);
/// emitter.set_progress(None, 1, 2);
/// emitter.finish();
/// let text = String::from_utf8(sink.into_inner().unwrap()).unwrap();
/// assert!(text.starts_with(r#"{"v":1,"run":"r1","seq":0,"#));
/// assert!(text.ends_with("\"type\":\"progress\",\"category\":null,\"current\":1,\"total\":2}\n"));
/// ```
pub struct JsonLinesSink<W: Write + Send = Box<dyn Write + Send>> {
    out: Mutex<Option<BufWriter<W>>>,
    marker: &'static str,
    flush_each: bool,
}

impl JsonLinesSink<Box<dyn Write + Send>> {
    /// Writes to standard output, flushing after every event (so a reading process sees each
    /// event as it happens).
    pub fn stdout() -> Self {
        let mut sink = JsonLinesSink::new(Box::new(io::stdout()) as Box<dyn Write + Send>);
        sink.flush_each = true;
        sink
    }
}

impl<W: Write + Send> JsonLinesSink<W> {
    /// Writes to `out`, buffered, flushing when the run ends.
    pub fn new(out: W) -> Self {
        JsonLinesSink { out: Mutex::new(Some(BufWriter::new(out))), marker: "", flush_each: false }
    }

    /// Prefixes every line with [`EVENT_LINE_MARKER`].
    pub fn marked(mut self) -> Self {
        self.marker = EVENT_LINE_MARKER;
        self
    }

    /// Flushes after every event.
    pub fn flush_each_event(mut self, yes: bool) -> Self {
        self.flush_each = yes;
        self
    }

    /// Flushes and returns the writer.
    pub fn into_inner(&self) -> io::Result<W> {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        match out.take() {
            Some(writer) => writer.into_inner().map_err(|e| e.into_error()),
            None => Err(io::Error::other("the sink was already taken")),
        }
    }
}

impl<W: Write + Send> EventSink for JsonLinesSink<W> {
    fn emit(&self, event: &Event) {
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(writer) = out.as_mut() else { return };
        // A closed pipe (the reader went away) must not fail the action; the run's outcome is
        // still returned to the caller.
        let _ = writer.write_all(self.marker.as_bytes());
        let _ = serde_json::to_writer(&mut *writer, event);
        let _ = writer.write_all(b"\n");
        if self.flush_each {
            let _ = writer.flush();
        }
    }

    fn flush(&self) {
        if let Some(writer) = self.out.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            let _ = writer.flush();
        }
    }
}
