//! Reassembling a run's event stream that crossed a process boundary.
//!
//! A plugin process writes its events as JSON lines (marked with [`EVENT_LINE_MARKER`] when the
//! stream is shared with other output, as in Ray job logs). On the way back, lines may arrive
//! mixed with foreign lines, out of order, or more than once (when a log is re-read). This
//! reader keeps the run's own events, puts them back in sequence order, drops repeats, hands
//! them to the local sinks, and recognizes the run's outcome.

use super::{ErrorReport, RunError};
use crate::events::sink::EVENT_LINE_MARKER;
use crate::events::{EVENT_SCHEMA_VERSION, Event, EventKind, EventSink, RunId};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Collects one remote run's events and outcome.
///
/// ```
/// use synapse::executor::remote::RemoteStream;
/// use synapse::events::{RunId, sink::MemorySink};
/// use std::sync::Arc;
///
/// let memory = Arc::new(MemorySink::new());
/// let mut stream = RemoteStream::new("noop", Some(RunId::from("r1")), vec![memory.clone()]);
/// let line = |seq: u64, body: &str| format!(
///     r#"@synapse-event {{"v":1,"run":"r1","seq":{seq},"ts":"2026-11-24T10:00:00Z",{body}}}"#);
/// stream.push_text(&format!("{}\nINFO some ray line\n", line(1, r#""type":"result","value":7"#)));
/// assert!(stream.outcome().is_none(), "seq 0 is still missing");
/// stream.push_text(&format!("{}\n", line(0, r#""type":"started","action":"noop","plugin":"p""#)));
/// assert_eq!(stream.into_result().unwrap().unwrap(), serde_json::json!(7));
/// assert_eq!(memory.events().len(), 2);
/// ```
pub struct RemoteStream {
    action: String,
    run: Option<RunId>,
    sinks: Vec<Arc<dyn EventSink>>,
    next_seq: u64,
    pending: BTreeMap<u64, Event>,
    partial: String,
    outcome: Option<Result<Value, ErrorReport>>,
    skipped: Vec<String>,
}

impl RemoteStream {
    /// A reader for a run of `action`; `run`, when known, filters out events of other runs.
    pub fn new(action: &str, run: Option<RunId>, sinks: Vec<Arc<dyn EventSink>>) -> Self {
        RemoteStream {
            action: action.to_owned(),
            run,
            sinks,
            next_seq: 0,
            pending: BTreeMap::new(),
            partial: String::new(),
            outcome: None,
            skipped: Vec::new(),
        }
    }

    /// Feeds a chunk of output; complete lines are read, a trailing partial line is kept for
    /// the next chunk.
    pub fn push_text(&mut self, chunk: &str) {
        self.partial.push_str(chunk);
        while let Some(end) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=end).collect();
            self.push_line(line.trim_end_matches(['\n', '\r']));
        }
    }

    /// Feeds one line: an event line (marked or plain JSON) is taken, anything else ignored.
    /// Returns whether the line was an event of this run.
    pub fn push_line(&mut self, line: &str) -> bool {
        let json = match line.find(EVENT_LINE_MARKER) {
            Some(at) => &line[at + EVENT_LINE_MARKER.len()..],
            None if line.starts_with('{') => line,
            None => return false,
        };
        match serde_json::from_str::<Event>(json) {
            Ok(event) if event.version == EVENT_SCHEMA_VERSION => self.push_event(event),
            Ok(event) => {
                self.skipped.push(format!(
                    "an event of format version {} (this reader knows {EVENT_SCHEMA_VERSION})",
                    event.version
                ));
                false
            }
            Err(_) => false,
        }
    }

    /// Takes one event: delivers it (and any that were waiting for it) in sequence order.
    pub fn push_event(&mut self, event: Event) -> bool {
        match &self.run {
            Some(run) if *run != event.run => return false,
            None => self.run = Some(event.run.clone()),
            _ => {}
        }
        if event.seq < self.next_seq || self.pending.contains_key(&event.seq) {
            return true;
        }
        self.pending.insert(event.seq, event);
        while let Some(event) = self.pending.remove(&self.next_seq) {
            self.deliver(event);
        }
        true
    }

    fn deliver(&mut self, event: Event) {
        self.next_seq = event.seq + 1;
        match &event.kind {
            EventKind::Result { value } => self.outcome = Some(Ok(value.clone())),
            EventKind::Error { error } => self.outcome = Some(Err(error.clone())),
            _ => {}
        }
        for sink in &self.sinks {
            sink.emit(&event);
        }
    }

    /// The run's outcome, once its terminal event and every event before it arrived.
    pub fn outcome(&self) -> Option<&Result<Value, ErrorReport>> {
        self.outcome.as_ref()
    }

    /// The run id (given, or learned from the first event).
    pub fn run_id(&self) -> Option<&RunId> {
        self.run.as_ref()
    }

    /// How many events were delivered.
    pub fn delivered(&self) -> u64 {
        self.next_seq
    }

    /// Delivers whatever is still waiting (in order, across gaps): for when the stream ended.
    pub fn drain(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.push_line(&line);
        }
        let pending = std::mem::take(&mut self.pending);
        for (_, event) in pending {
            self.deliver(event);
        }
        for sink in &self.sinks {
            sink.flush();
        }
    }

    /// Whether the run's outcome (its last line) has arrived.
    pub fn has_outcome(&self) -> bool {
        self.outcome.is_some()
    }

    /// The outcome as a result: `None` when the stream ended without one.
    pub fn into_result(mut self) -> Option<Result<Value, RunError>> {
        self.drain();
        let action = self.action;
        self.outcome.map(|outcome| outcome.map_err(|report| remote_error(&action, report)))
    }
}

/// The error a remote run reported, as a [`RunError`].
pub(crate) fn remote_error(_action: &str, report: ErrorReport) -> RunError {
    RunError::Remote(Box::new(report))
}
