//! The per-run event emitter: assigns sequence numbers, stamps events and hands them to the
//! sinks, in order.

use super::model::{EVENT_SCHEMA_VERSION, Event, EventKind, RunId};
use super::progress::{ProgressSlot, start_clock};
use super::sink::EventSink;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::SystemTime;

/// Emits one run's events to its sinks. Cheap to clone; all clones share the stream.
///
/// Events are delivered under one lock, so every sink sees them in sequence order. The lock is
/// never held while user code runs.
///
/// ```
/// use synapse::events::{Emitter, EventKind, RunId, sink::MemorySink};
/// use std::sync::Arc;
///
/// let memory = Arc::new(MemorySink::new());
/// let emitter = Emitter::new(RunId::from("r1"), vec![memory.clone()]);
/// for i in 1..=3 {
///     emitter.set_progress(None, i, 3);
/// }
/// emitter.finish();
/// let seqs: Vec<u64> = memory.events().iter().map(|e| e.seq).collect();
/// assert_eq!(seqs, [0, 1, 2]);
/// ```
#[derive(Clone)]
pub struct Emitter {
    inner: Arc<Inner>,
}

struct Inner {
    run: RunId,
    state: Mutex<State>,
    default_progress: Arc<ProgressSlot>,
    named_progress: RwLock<NamedSlots>,
}

/// The named progress categories, in the order they first reported; indexed by name once
/// there are more than a few (a 1,000-step workflow has 1,000 of them).
#[derive(Default)]
struct NamedSlots {
    slots: Vec<Arc<ProgressSlot>>,
    index: std::collections::HashMap<Arc<str>, usize>,
}

impl NamedSlots {
    const SCAN: usize = 8;

    #[inline]
    fn find(&self, category: &str) -> Option<&Arc<ProgressSlot>> {
        if self.slots.len() <= Self::SCAN {
            self.slots.iter().find(|s| s.category.as_deref() == Some(category))
        } else {
            self.index.get(category).map(|&i| &self.slots[i])
        }
    }

    fn insert(&mut self, category: &str) -> Arc<ProgressSlot> {
        let name: Arc<str> = Arc::from(category);
        let slot = Arc::new(ProgressSlot::new(Some(name.clone())));
        self.index.insert(name, self.slots.len());
        self.slots.push(slot.clone());
        slot
    }
}

struct State {
    seq: u64,
    sinks: Vec<Arc<dyn EventSink>>,
}

impl Emitter {
    /// An emitter for run `run` delivering to `sinks`.
    pub fn new(run: RunId, sinks: Vec<Arc<dyn EventSink>>) -> Self {
        start_clock();
        Emitter {
            inner: Arc::new(Inner {
                run,
                state: Mutex::new(State { seq: 0, sinks }),
                default_progress: Arc::new(ProgressSlot::new(None)),
                named_progress: RwLock::new(NamedSlots::default()),
            }),
        }
    }

    /// The run id.
    pub fn run_id(&self) -> &RunId {
        &self.inner.run
    }

    /// Adds a sink; it sees every event emitted from now on.
    pub fn add_sink(&self, sink: Arc<dyn EventSink>) {
        self.lock().sinks.push(sink);
    }

    /// Emits an event.
    pub fn emit(&self, kind: EventKind) {
        self.emit_in_step(None, kind);
    }

    /// Emits an event tagged with the workflow step that produced it.
    pub fn emit_in_step(&self, step: Option<&str>, kind: EventKind) {
        let mut state = self.lock();
        self.deliver(&mut state, step, kind);
    }

    fn deliver(&self, state: &mut State, step: Option<&str>, kind: EventKind) {
        let _delivering = Delivering::start();
        let event = Event {
            version: EVENT_SCHEMA_VERSION,
            run: self.inner.run.clone(),
            seq: state.seq,
            ts: SystemTime::now(),
            step: step.map(str::to_owned),
            kind,
        };
        state.seq += 1;
        for sink in &state.sinks {
            sink.emit(&event);
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A sink that panicked mid-event leaves nothing half-done that matters here.
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records progress for `category` (`None`: the action's main progress), coalesced.
    #[inline]
    pub fn set_progress(&self, category: Option<&str>, current: u64, total: u64) {
        match category {
            None => self.record(&self.inner.default_progress, current, total),
            Some(category) => self.record_named(category, current, total),
        }
    }

    /// Records progress for a named category. The slot is recorded under the read lock, so the
    /// common case (a known category, nothing due) costs no reference-count traffic.
    #[inline]
    fn record_named(&self, category: &str, current: u64, total: u64) {
        let read = self.inner.named_progress.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = read.find(category) {
            if slot.record(current, total) {
                let slot = slot.clone();
                drop(read);
                self.emit_progress(&slot, current, total);
            }
            return;
        }
        drop(read);
        let slot = self.slot(category);
        self.record(&slot, current, total);
    }

    /// A handle for reporting one category's progress from a hot loop without looking the
    /// category up on every call.
    pub fn progress(&self, category: Option<&str>) -> ProgressHandle {
        let slot = match category {
            None => self.inner.default_progress.clone(),
            Some(category) => self.slot(category),
        };
        ProgressHandle { emitter: self.clone(), slot }
    }

    #[inline]
    fn record(&self, slot: &ProgressSlot, current: u64, total: u64) {
        if slot.record(current, total) {
            self.emit_progress(slot, current, total);
        }
    }

    #[cold]
    fn emit_progress(&self, slot: &ProgressSlot, current: u64, total: u64) {
        let mut state = self.lock();
        if let Some((current, total)) = slot.take_due(current, total) {
            let category = slot.category.as_deref().map(str::to_owned);
            self.deliver(&mut state, None, EventKind::Progress { category, current, total });
        }
    }

    fn slot(&self, category: &str) -> Arc<ProgressSlot> {
        let read = self.inner.named_progress.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = read.find(category) {
            return slot.clone();
        }
        drop(read);
        let mut write = self.inner.named_progress.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(slot) = write.find(category) {
            return slot.clone();
        }
        write.insert(category)
    }

    /// Delivers the progress values not yet emitted (the final value of every category).
    pub fn flush_progress(&self) {
        let named = self.inner.named_progress.read().unwrap_or_else(PoisonError::into_inner).slots.clone();
        let mut state = self.lock();
        for slot in std::iter::once(&self.inner.default_progress).chain(named.iter()) {
            if let Some((current, total)) = slot.take_pending() {
                let category = slot.category.as_deref().map(str::to_owned);
                self.deliver(&mut state, None, EventKind::Progress { category, current, total });
            }
        }
    }

    /// Emits pending progress and flushes every sink.
    pub fn finish(&self) {
        self.flush_progress();
        let state = self.lock();
        for sink in &state.sinks {
            sink.flush();
        }
    }

    /// How many events were emitted so far.
    pub fn emitted(&self) -> u64 {
        self.lock().seq
    }
}

thread_local! {
    /// Set while this thread hands an event to sinks.
    static DELIVERING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is handing an event to sinks right now: what it logs then must not be
/// turned into another event of a stream whose lock it holds.
pub(crate) fn delivering() -> bool {
    DELIVERING.get()
}

/// Marks this thread as delivering while it lives (nested deliveries keep the mark).
struct Delivering {
    outer: bool,
}

impl Delivering {
    fn start() -> Self {
        Delivering { outer: DELIVERING.replace(true) }
    }
}

impl Drop for Delivering {
    fn drop(&mut self) {
        DELIVERING.set(self.outer);
    }
}

/// Reports one category's progress; obtained from [`Context::progress`](crate::Context::progress).
///
/// ```
/// # use synapse::events::{Emitter, RunId};
/// # let emitter = Emitter::new(RunId::from("r"), vec![]);
/// let bar = emitter.progress(Some("train"));
/// for i in 1..=1000 {
///     bar.set(i, 1000);
/// }
/// ```
#[derive(Clone)]
pub struct ProgressHandle {
    emitter: Emitter,
    slot: Arc<ProgressSlot>,
}

impl ProgressHandle {
    /// Records `current` of `total`.
    #[inline]
    pub fn set(&self, current: u64, total: u64) {
        self.emitter.record(&self.slot, current, total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::sink::MemorySink;

    fn progress(memory: &MemorySink, category: &str) -> Vec<(u64, u64)> {
        memory
            .kinds()
            .into_iter()
            .filter_map(|kind| match kind {
                EventKind::Progress { category: Some(c), current, total } if c == category => Some((current, total)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn named_categories_are_coalesced_separately_and_finalized() {
        let memory = Arc::new(MemorySink::new());
        let emitter = Emitter::new(RunId::from("r"), vec![memory.clone()]);
        for i in 1..=4 {
            emitter.set_progress(Some("small"), i, 4);
            emitter.set_progress(Some("large"), i, 1_000_000);
        }
        assert_eq!(progress(&memory, "small"), [(1, 4), (2, 4), (3, 4), (4, 4)]);
        // Within one permille only the first value is due (unless the progress clock ticks).
        assert_eq!(progress(&memory, "large").first(), Some(&(1, 1_000_000)));
        emitter.finish();
        assert_eq!(progress(&memory, "large").last(), Some(&(4, 1_000_000)), "the final value is delivered");
        assert_eq!(progress(&memory, "small").len(), 4, "nothing pending for a category already shown");
    }
}
