//! Reassembling a run's event stream that crossed a process boundary.
//!
//! A plugin process writes its events as JSON lines (marked with [`EVENT_LINE_MARKER`] when the
//! stream is shared with other output, as in Ray job logs). On the way back, lines may arrive
//! mixed with foreign lines, out of order, or more than once (when a log is re-read). This
//! reader keeps the run's own events (and, for a pipeline run, those of its actions' runs),
//! puts each run's back in sequence order, drops repeats, hands them to the local sinks, and
//! recognizes the run's outcome.

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
    own: Sequence,
    /// The runs of a pipeline run's actions ([`RunId::action_run`]), each in its own sequence.
    actions: BTreeMap<RunId, Sequence>,
    /// The start of a line whose end has not arrived yet (bytes: a chunk may end inside a
    /// character, and a foreign line need not be UTF-8 at all).
    partial: Vec<u8>,
    outcome: Option<Result<Value, ErrorReport>>,
    skipped: Vec<String>,
    workflow: Workflow,
}

/// Whether a workflow of the run is going on, as its events tell: from `workflow_started`
/// until its last step ended, or, once a step failed for good, until the run's end; a
/// rollback in progress counts too.
#[derive(Default)]
struct Workflow {
    /// Steps announced and not yet ended.
    remaining: usize,
    /// A step failed for good (the workflow rolls back from there to the run's end).
    failed: bool,
    /// Rollbacks begun and not yet ended (a retried attempt's, too).
    rolling_back: u32,
}

impl Workflow {
    fn see(&mut self, kind: &EventKind) {
        match kind {
            EventKind::WorkflowStarted { steps, .. } => self.remaining += steps.len(),
            EventKind::StepCompleted { .. } | EventKind::StepSkipped {} => {
                self.remaining = self.remaining.saturating_sub(1)
            }
            EventKind::StepFailed { will_retry: false, .. } => self.failed = true,
            EventKind::RollbackStarted {} => self.rolling_back += 1,
            EventKind::RollbackCompleted { .. } | EventKind::RollbackFailed { .. } => {
                self.rolling_back = self.rolling_back.saturating_sub(1)
            }
            EventKind::Result { .. } | EventKind::Error { .. } => *self = Workflow::default(),
            _ => {}
        }
    }

    fn going_on(&self) -> bool {
        self.remaining > 0 || self.failed || self.rolling_back > 0
    }
}

/// How long a caller that asked a remote run to stop waits for it before it gives up on it
/// (kills the child, drops the worker's connection): the run's own grace and a margin for it
/// to report and exit; or, while a workflow of the run goes on (a step still running, a
/// rollback), as long as the run says something at least once per rollback limit, as the run
/// itself waits for its workflow to roll back (see [`CANCEL_GRACE`](crate::context::CANCEL_GRACE)).
pub(crate) struct Stopping {
    asked: tokio::time::Instant,
    grace: std::time::Duration,
}

/// The time a stopped run gets past its grace to report its outcome and exit.
pub(crate) const STOP_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

impl Stopping {
    /// The run was asked to stop now; it has `grace` to do so.
    pub(crate) fn now(grace: std::time::Duration) -> Self {
        Stopping { asked: tokio::time::Instant::now(), grace }
    }

    /// When to give up on the run, which last said something at `last_heard`.
    pub(crate) fn give_up_at(&self, stream: &RemoteStream, last_heard: tokio::time::Instant) -> tokio::time::Instant {
        if stream.in_workflow() {
            (last_heard + crate::steps::ROLLBACK_LIMIT + STOP_MARGIN).max(self.asked + self.grace + STOP_MARGIN)
        } else {
            self.asked + self.grace + STOP_MARGIN
        }
    }
}

/// One run's events on their way back into sequence order.
#[derive(Default)]
struct Sequence {
    next: u64,
    pending: BTreeMap<u64, Event>,
}

impl Sequence {
    /// Keeps `event` until its turn; `false` if it is a repeat.
    fn insert(&mut self, event: Event) -> bool {
        if event.seq < self.next || self.pending.contains_key(&event.seq) {
            return false;
        }
        self.pending.insert(event.seq, event);
        true
    }

    /// The next event in order, if it has arrived.
    fn pop_ready(&mut self) -> Option<Event> {
        let event = self.pending.remove(&self.next)?;
        self.next = event.seq + 1;
        Some(event)
    }

    /// Everything still waiting, in order across gaps.
    fn drain(&mut self) -> Vec<Event> {
        let pending = std::mem::take(&mut self.pending);
        if let Some(last) = pending.keys().next_back() {
            self.next = last + 1;
        }
        pending.into_values().collect()
    }
}

impl RemoteStream {
    /// A reader for a run of `action`; `run`, when known, filters out events of other runs
    /// (except those of the runs of its actions, when it is a pipeline run).
    pub fn new(action: &str, run: Option<RunId>, sinks: Vec<Arc<dyn EventSink>>) -> Self {
        RemoteStream {
            action: action.to_owned(),
            run,
            sinks,
            own: Sequence::default(),
            actions: BTreeMap::new(),
            partial: Vec::new(),
            outcome: None,
            skipped: Vec::new(),
            workflow: Workflow::default(),
        }
    }

    /// Feeds a chunk of output; complete lines are read, a trailing partial line is kept for
    /// the next chunk.
    pub fn push_text(&mut self, chunk: &str) {
        self.push_bytes(chunk.as_bytes());
    }

    /// Feeds a chunk of raw output, as it comes from a pipe or a socket: split anywhere, even
    /// inside a character, and not necessarily UTF-8. Complete lines are read (a line that is
    /// not UTF-8 is decoded lossily, so it can never stop the stream); a trailing partial line
    /// is kept for the next chunk.
    ///
    /// ```
    /// use synapse::executor::remote::RemoteStream;
    /// let mut stream = RemoteStream::new("noop", None, vec![]);
    /// let line = r#"{"v":1,"run":"r1","seq":0,"ts":"2026-11-24T10:00:00Z","type":"result","value":"é"}"#;
    /// let bytes = [b"\xff\xfe binary noise\n".as_slice(), line.as_bytes(), b"\n"].concat();
    /// for chunk in bytes.chunks(3) {
    ///     stream.push_bytes(chunk); // splits "é" in two, among others
    /// }
    /// assert_eq!(stream.into_result().unwrap().unwrap(), serde_json::json!("é"));
    /// ```
    pub fn push_bytes(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                self.push_raw_line(&rest[..end]);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&rest[..end]);
                self.push_raw_line(&line);
            }
            rest = &rest[end + 1..];
        }
        self.partial.extend_from_slice(rest);
    }

    fn push_raw_line(&mut self, line: &[u8]) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let text = String::from_utf8_lossy(line);
        self.push_line(&text);
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

    /// Takes one event: delivers it (and any that were waiting for it) in its run's sequence
    /// order. Returns whether it belongs to this run (or to one of its actions' runs).
    pub fn push_event(&mut self, event: Event) -> bool {
        let own = match &self.run {
            Some(run) if *run == event.run => true,
            Some(run) if event.run.action_index_in(run).is_some() => false,
            Some(_) => return false,
            None => {
                self.run = Some(event.run.clone());
                true
            }
        };
        let sequence = if own { &mut self.own } else { self.actions.entry(event.run.clone()).or_default() };
        if sequence.insert(event) {
            while let Some(event) = sequence.pop_ready() {
                if own {
                    self.workflow.see(&event.kind);
                }
                deliver(&self.sinks, &mut self.outcome, &event, own);
            }
        }
        true
    }

    /// The run's outcome, once its terminal event and every event before it arrived.
    pub fn outcome(&self) -> Option<&Result<Value, ErrorReport>> {
        self.outcome.as_ref()
    }

    /// The run id (given, or learned from the first event).
    pub fn run_id(&self) -> Option<&RunId> {
        self.run.as_ref()
    }

    /// How many of the run's own events were delivered.
    pub fn delivered(&self) -> u64 {
        self.own.next
    }

    /// Delivers whatever is still waiting (in order, across gaps): for when the stream ended.
    pub fn drain(&mut self) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.push_raw_line(&line);
        }
        for event in self.actions.values_mut().flat_map(Sequence::drain) {
            deliver(&self.sinks, &mut self.outcome, &event, false);
        }
        for event in self.own.drain() {
            deliver(&self.sinks, &mut self.outcome, &event, true);
        }
        for sink in &self.sinks {
            sink.flush();
        }
    }

    /// Whether a workflow of the run is going on (a step still running, or rolling back), as
    /// far as its events have arrived: a stopped run waits for its workflow to roll back, and
    /// so must its caller.
    pub fn in_workflow(&self) -> bool {
        self.workflow.going_on()
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

/// Hands `event` to the sinks; an `own` terminal event is the run's outcome (an action's result
/// or error inside a pipeline is not).
fn deliver(sinks: &[Arc<dyn EventSink>], outcome: &mut Option<Result<Value, ErrorReport>>, event: &Event, own: bool) {
    if own {
        match &event.kind {
            EventKind::Result { value } => *outcome = Some(Ok(value.clone())),
            EventKind::Error { error } => *outcome = Some(Err(error.clone())),
            _ => {}
        }
    }
    for sink in sinks {
        sink.emit(event);
    }
}

/// The error a remote run reported, as a [`RunError`].
pub(crate) fn remote_error(_action: &str, report: ErrorReport) -> RunError {
    RunError::Remote(Box::new(report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::sink::MemorySink;

    fn line(run: &str, seq: u64, body: &str) -> String {
        format!(r#"@synapse-event {{"v":1,"run":"{run}","seq":{seq},"ts":"2026-11-24T10:00:00Z",{body}}}"#)
    }

    #[test]
    fn a_pipeline_stream_keeps_its_actions_runs_each_in_order_and_only_its_own_outcome() {
        let memory = Arc::new(MemorySink::new());
        let mut stream = RemoteStream::new("etl", Some(RunId::from("p")), vec![memory.clone()]);
        let started = r#""type":"started","action":"fetch","plugin":"x""#;
        let lines = [
            line("p", 0, r#""type":"log_line","level":"info","message":"pipeline""#),
            // The action's events arrive out of order and one of them twice.
            line("p-1", 1, r#""type":"result","value":{"rows":3}"#),
            line("p-1", 0, started),
            line("p-1", 0, started),
            // Another run's events, and a run whose id only looks like an action's.
            line("q-1", 0, started),
            line("p-x", 0, started),
            line("p-10", 0, started),
        ];
        stream.push_text(&(lines.join("\n") + "\n"));
        let runs: Vec<String> = memory.events().iter().map(|e| format!("{}#{}", e.run, e.seq)).collect();
        assert_eq!(runs, ["p#0", "p-1#0", "p-1#1", "p-10#0"]);
        assert!(stream.outcome().is_none(), "an action's result is not the pipeline's");
        assert_eq!(stream.delivered(), 1);

        stream.push_text(&format!("{}\n", line("p", 1, r#""type":"result","value":{"model":"m"}"#)));
        assert_eq!(stream.into_result().map(|r| r.ok()), Some(Some(serde_json::json!({"model": "m"}))));
    }

    #[test]
    fn draining_delivers_every_runs_waiting_events_across_gaps() {
        let memory = Arc::new(MemorySink::new());
        let mut stream = RemoteStream::new("etl", Some(RunId::from("p")), vec![memory.clone()]);
        stream.push_text(&format!("{}\n", line("p-2", 3, r#""type":"log_line","level":"info","message":"late""#)));
        stream
            .push_text(&format!("{}\n", line("p", 2, r#""type":"error","error":{"kind":"failed","message":"boom"}"#)));
        assert!(memory.events().is_empty());
        stream.drain();
        let runs: Vec<String> = memory.events().iter().map(|e| format!("{}#{}", e.run, e.seq)).collect();
        assert_eq!(runs, ["p-2#3", "p#2"]);
        assert!(matches!(stream.outcome(), Some(Err(report)) if report.message == "boom"));
    }
}
