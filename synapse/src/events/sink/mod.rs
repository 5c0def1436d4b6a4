//! Where events go.
//!
//! A sink receives every event of a run, in sequence order, on the thread that emitted it. It
//! must be quick: progress is already coalesced before it gets here, but logs are not.

mod console;
mod json_lines;
mod memory;

pub use console::ConsoleSink;
pub use json_lines::{EVENT_LINE_MARKER, JsonLinesSink};
pub use memory::MemorySink;

use super::Event;

/// Receives a run's events.
///
/// Any `Fn(&Event) + Send + Sync` is a sink:
///
/// ```
/// use synapse::events::{Emitter, EventSink, RunId};
/// use std::sync::{Arc, atomic::{AtomicUsize, Ordering}};
///
/// let count = Arc::new(AtomicUsize::new(0));
/// let seen = count.clone();
/// let sink: Arc<dyn EventSink> = Arc::new(move |_: &synapse::events::Event| {
///     seen.fetch_add(1, Ordering::Relaxed);
/// });
/// let emitter = Emitter::new(RunId::from("r"), vec![sink]);
/// emitter.set_progress(None, 1, 1);
/// assert_eq!(count.load(Ordering::Relaxed), 1);
/// ```
pub trait EventSink: Send + Sync {
    /// Handles one event.
    fn emit(&self, event: &Event);

    /// Makes everything emitted so far durable or visible (called when a run ends).
    fn flush(&self) {}
}

impl<F: Fn(&Event) + Send + Sync> EventSink for F {
    fn emit(&self, event: &Event) {
        self(event)
    }
}
