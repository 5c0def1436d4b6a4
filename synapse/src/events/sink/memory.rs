//! Keeps events in memory, for tests and for callers that inspect a run afterwards.

use super::EventSink;
use crate::events::{Event, EventKind};
use std::sync::{Mutex, PoisonError};

/// Collects every event.
///
/// ```
/// use synapse::events::sink::MemorySink;
/// let sink = MemorySink::new();
/// assert!(sink.events().is_empty());
/// ```
#[derive(Default)]
pub struct MemorySink {
    events: Mutex<Vec<Event>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the events so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The events so far, leaving the sink empty.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The kinds of the events so far.
    pub fn kinds(&self) -> Vec<EventKind> {
        self.events().into_iter().map(|e| e.kind).collect()
    }
}

impl EventSink for MemorySink {
    fn emit(&self, event: &Event) {
        self.events.lock().unwrap_or_else(PoisonError::into_inner).push(event.clone());
    }
}
