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
/// A line reaches the writer in one `write_all` call, whatever its size: it is formatted
/// first, then written. On standard output ([`stdout`](Self::stdout)) that call holds the lock
/// every writer of the process's stdout takes (`println!`, `print!`, `std::io::stdout()`), so
/// another thread's output can never land inside an event line.
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
    state: Mutex<State<W>>,
    marker: &'static str,
    flush_each: bool,
}

struct State<W: Write> {
    out: Option<BufWriter<W>>,
    /// The line being written, reused from event to event.
    line: Vec<u8>,
}

/// Standard output, one whole line per `write_all` under the process's stdout lock.
struct StdoutLines;

impl Write for StdoutLines {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        io::stdout().lock().write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        io::stdout().lock().write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stdout().lock().flush()
    }
}

/// Above this, the line buffer is given back after use (one huge event must not pin memory).
const KEEP_LINE_BYTES: usize = 64 * 1024;

impl JsonLinesSink<Box<dyn Write + Send>> {
    /// Writes to standard output, flushing after every event (so a reading process sees each
    /// event as it happens).
    pub fn stdout() -> Self {
        // No buffer of its own: each line goes to stdout whole, under stdout's lock.
        let out = BufWriter::with_capacity(0, Box::new(StdoutLines) as Box<dyn Write + Send>);
        JsonLinesSink { state: Mutex::new(State { out: Some(out), line: Vec::new() }), marker: "", flush_each: true }
    }
}

impl<W: Write + Send> JsonLinesSink<W> {
    /// Writes to `out`, buffered, flushing when the run ends.
    pub fn new(out: W) -> Self {
        JsonLinesSink {
            state: Mutex::new(State { out: Some(BufWriter::new(out)), line: Vec::new() }),
            marker: "",
            flush_each: false,
        }
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
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.out.take() {
            Some(writer) => writer.into_inner().map_err(|e| e.into_error()),
            None => Err(io::Error::other("the sink was already taken")),
        }
    }
}

impl<W: Write + Send> EventSink for JsonLinesSink<W> {
    fn emit(&self, event: &Event) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let State { out, line } = &mut *state;
        let Some(writer) = out.as_mut() else { return };
        line.clear();
        line.extend_from_slice(self.marker.as_bytes());
        if serde_json::to_writer(&mut *line, event).is_err() {
            return;
        }
        line.push(b'\n');
        // A closed pipe (the reader went away) must not fail the action; the run's outcome is
        // still returned to the caller.
        let _ = writer.write_all(line);
        if self.flush_each {
            let _ = writer.flush();
        }
        if line.capacity() > KEEP_LINE_BYTES {
            *line = Vec::new();
        }
    }

    fn flush(&self) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(writer) = state.out.as_mut() {
            let _ = writer.flush();
        }
    }
}
