//! The end of a run's stream: exactly one terminal event, whoever fails.
//!
//! A run's events may come from this process (a local run), from a child process, a Ray job or
//! a resident worker (relayed by a remote stream), and a run may fail before any of those
//! started (no Ray address, a dashboard that does not answer, a package that cannot be built)
//! or after they went away (a child killed, a dashboard gone mid-run). [`TerminalGuard`] sits
//! in front of the run's sinks and owns the end of the stream: it passes every event through,
//! remembers whether the run's `result` or `error` has passed, and when the run is over
//! ([`TerminalGuard::close`]) emits the terminal event itself if nobody did. A second
//! terminal event of the same run is dropped, so the stream always ends with exactly one.

use super::model::{EVENT_SCHEMA_VERSION, Event, EventKind, RunId};
use super::report::ErrorReport;
use super::sink::EventSink;
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

/// Guards the end of one run's stream on its way to the sinks: it passes every event through,
/// and makes sure the run ends with exactly one terminal event.
///
/// ```
/// use synapse::events::{Emitter, EventKind, RunId, TerminalGuard, sink::MemorySink};
/// use synapse::executor::{ErrorReport, RunError};
/// use std::sync::Arc;
///
/// let memory = Arc::new(MemorySink::new());
/// let guard = TerminalGuard::new(RunId::from("r1"), vec![memory.clone()]);
/// // The run's own emitter says two things, then its executor fails without a terminal event.
/// let emitter = Emitter::new(RunId::from("r1"), vec![guard.sink()]);
/// emitter.emit(EventKind::Started { action: "train".into(), plugin: "p".into(), job_id: None });
/// emitter.set_progress(None, 1, 2);
/// let error = RunError::Infrastructure("the Ray dashboard at http://127.0.0.1:9 did not answer".into());
/// guard.close(&Err::<serde_json::Value, _>(error));
///
/// let events = memory.events();
/// assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [0, 1, 2]);
/// assert!(matches!(&events[2].kind, EventKind::Error { error } if error.message.contains("did not answer")));
/// // A second close, or a late terminal event, adds nothing.
/// guard.close(&Ok::<_, RunError>(serde_json::json!(1)));
/// assert_eq!(memory.events().len(), 3);
/// ```
pub struct TerminalGuard {
    run: RunId,
    sinks: Vec<Arc<dyn EventSink>>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The sequence number the terminal event takes if this guard has to emit it.
    next_seq: u64,
    /// Whether the run's terminal event has passed.
    ended: bool,
}

impl TerminalGuard {
    /// A guard for run `run` delivering to `sinks`.
    pub fn new(run: RunId, sinks: Vec<Arc<dyn EventSink>>) -> Arc<Self> {
        Arc::new(TerminalGuard { run, sinks, state: Mutex::new(State::default()) })
    }

    /// The run guarded.
    pub fn run_id(&self) -> &RunId {
        &self.run
    }

    /// This guard as the one sink to give the run's executor.
    pub fn sink(self: &Arc<Self>) -> Arc<dyn EventSink> {
        self.clone()
    }

    /// Whether the run's terminal event has passed (or was emitted by [`close`](Self::close)).
    pub fn has_ended(&self) -> bool {
        self.lock().ended
    }

    /// Ends the run's stream with `outcome` unless its terminal event already passed, and
    /// flushes the sinks. Returns whether this call emitted the terminal event.
    pub fn close<E>(&self, outcome: &Result<Value, E>) -> bool
    where
        E: Reportable,
    {
        let kind = match outcome {
            Ok(value) => EventKind::Result { value: value.clone() },
            Err(error) => EventKind::Error { error: error.error_report() },
        };
        self.end_with(kind)
    }

    /// Ends the run's stream with the error `report` unless it already ended, and flushes.
    pub fn fail(&self, report: ErrorReport) -> bool {
        self.end_with(EventKind::Error { error: report })
    }

    fn end_with(&self, kind: EventKind) -> bool {
        let emitted = {
            let mut state = self.lock();
            if state.ended {
                false
            } else {
                state.ended = true;
                let event = Event {
                    version: EVENT_SCHEMA_VERSION,
                    run: self.run.clone(),
                    seq: state.next_seq,
                    ts: SystemTime::now(),
                    step: None,
                    kind,
                };
                state.next_seq += 1;
                for sink in &self.sinks {
                    sink.emit(&event);
                }
                true
            }
        };
        self.flush();
        emitted
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl EventSink for TerminalGuard {
    fn emit(&self, event: &Event) {
        let mut state = self.lock();
        if event.run == self.run {
            if state.ended {
                // The run already ended: nothing of it may follow its terminal event.
                return;
            }
            state.next_seq = state.next_seq.max(event.seq + 1);
            state.ended = event.kind.is_terminal();
        }
        for sink in &self.sinks {
            sink.emit(event);
        }
    }

    fn flush(&self) {
        for sink in &self.sinks {
            sink.flush();
        }
    }
}

/// An error that can end a run's stream as its `error` event.
pub trait Reportable {
    /// The error as the `error` event carries it.
    fn error_report(&self) -> ErrorReport;
}

impl<E: Reportable> Reportable for &E {
    fn error_report(&self) -> ErrorReport {
        (**self).error_report()
    }
}

impl Reportable for ErrorReport {
    fn error_report(&self) -> ErrorReport {
        self.clone()
    }
}
