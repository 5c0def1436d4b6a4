//! The sinks a pipeline run's events feed besides the caller's: each action's progress moving
//! the pipeline's overall progress, and the run store's event log of the run.

use super::super::store::RunStore;
use crate::events::{Emitter, Event, EventKind, EventSink, OverallProgress, RunId};
use serde_json::Value;
use std::sync::{Arc, Mutex, PoisonError};

/// The pipeline's overall progress: each action an equal share, the running action's own
/// progress inside it; never goes back.
pub(super) struct PipelineProgress {
    pub(super) overall: OverallProgress,
    pub(super) actions: usize,
}

impl PipelineProgress {
    /// Moves the overall progress to action `index` at `fraction` of its own progress.
    pub(super) fn advance(&self, emitter: &Emitter, index: usize, fraction: f64) {
        self.overall.advance(emitter, (index as f64 + fraction.clamp(0.0, 1.0)) / self.actions as f64);
    }
}

/// Watches an action's main progress and moves the pipeline's overall progress with it.
pub(super) struct ActionProgress {
    pub(super) emitter: Emitter,
    pub(super) progress: Arc<PipelineProgress>,
    pub(super) index: usize,
    pub(super) run: RunId,
}

impl EventSink for ActionProgress {
    fn emit(&self, event: &Event) {
        if let EventKind::Progress { category: None, current, total } = &event.kind
            && event.run == self.run
            && *total > 0
        {
            self.progress.advance(&self.emitter, self.index, *current as f64 / *total as f64);
        }
    }
}

/// Keeps a pipeline run's events (its own and its actions') in the run store.
/// Events are written in batches: when one ends an action or the run, and every 256 events.
pub(super) struct StoreSink {
    store: Arc<RunStore>,
    run_id: String,
    pending: Mutex<Vec<Value>>,
}

impl StoreSink {
    pub(super) fn new(store: Arc<RunStore>, run_id: String) -> Self {
        StoreSink { store, run_id, pending: Mutex::new(Vec::new()) }
    }

    fn write(&self, pending: &mut Vec<Value>) {
        if pending.is_empty() {
            return;
        }
        if let Err(error) = self.store.append_events(&self.run_id, pending) {
            tracing::warn!("the events of pipeline run `{}` could not be stored: {error}", self.run_id);
        }
        pending.clear();
    }
}

impl EventSink for StoreSink {
    fn emit(&self, event: &Event) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(value) = serde_json::to_value(event) {
            pending.push(value);
        }
        let boundary = matches!(
            event.kind,
            EventKind::PipelineStarted { .. }
                | EventKind::PipelineActionCompleted { .. }
                | EventKind::PipelineActionFailed { .. }
                | EventKind::Result { .. }
                | EventKind::Error { .. }
        );
        if boundary || pending.len() >= 256 {
            self.write(&mut pending);
        }
    }

    fn flush(&self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        self.write(&mut pending);
    }
}
