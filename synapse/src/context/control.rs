//! What an executor and a workflow share about a run beyond its events: the background work
//! the action started (so nothing of a run is still writing when it is rolled back or ends),
//! and whether the run is unwinding (stopping a step and rolling back: the cancellation grace
//! covers the action, never its rollback).

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;

/// A run's background work and unwinding state, kept in its context (shared by every clone).
/// Both parts are made on first use: a run that starts no background work and runs no
/// workflow pays nothing for them.
#[derive(Default)]
pub(crate) struct RunControl {
    tasks: OnceLock<TaskTracker>,
    unwinding: OnceLock<Arc<watch::Sender<Unwound>>>,
}

/// How many workflows of the run are unwinding right now, and how many rollbacks they began
/// (each one is progress: an unwinding that moves on is not stuck).
#[derive(Clone, Copy, Default)]
struct Unwound {
    workflows: u32,
    rollbacks: u64,
}

impl RunControl {
    fn tracker(&self) -> &TaskTracker {
        self.tasks.get_or_init(TaskTracker::new)
    }

    fn unwound(&self) -> &Arc<watch::Sender<Unwound>> {
        self.unwinding.get_or_init(|| Arc::new(watch::Sender::new(Unwound::default())))
    }

    pub(crate) fn spawn_blocking<F, R>(&self, work: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        // The work belongs to the run whose span is current: what it logs joins the run.
        let span = tracing::Span::current();
        self.tracker().spawn_blocking(move || span.in_scope(work))
    }

    pub(crate) fn spawn<F>(&self, task: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tracker().spawn(tracing::Instrument::instrument(task, tracing::Span::current()))
    }

    /// How many tracked tasks are still running.
    pub(crate) fn running_tasks(&self) -> usize {
        self.tasks.get().map_or(0, TaskTracker::len)
    }

    /// Waits until every tracked task has ended (tasks started meanwhile included).
    pub(crate) async fn tasks_finished(&self) {
        if let Some(tasks) = self.tasks.get() {
            tasks.close();
            tasks.wait().await;
            tasks.reopen();
        }
    }

    /// Marks the run as unwinding until the returned guard is dropped.
    pub(crate) fn unwinding(&self) -> Unwinding {
        let unwound = self.unwound();
        unwound.send_modify(|u| u.workflows += 1);
        Unwinding { unwinding: unwound.clone() }
    }

    /// Records that an unwinding workflow began another rollback.
    pub(crate) fn rollback_began(&self) {
        self.unwound().send_modify(|u| u.rollbacks += 1);
    }

    /// Waits until no workflow of the run is unwinding, or until one has made no progress (began
    /// no rollback) for `stalled`; returns whether it settled.
    pub(crate) async fn settled(&self, stalled: Duration) -> bool {
        let Some(unwound) = self.unwinding.get() else { return true };
        let mut receiver = unwound.subscribe();
        loop {
            if receiver.borrow_and_update().workflows == 0 {
                return true;
            }
            // The sender lives in `self`, so the channel cannot close while this waits.
            if tokio::time::timeout(stalled, receiver.changed()).await.is_err() {
                return false;
            }
        }
    }
}

/// The run is unwinding while this lives.
pub(crate) struct Unwinding {
    unwinding: Arc<watch::Sender<Unwound>>,
}

impl Drop for Unwinding {
    fn drop(&mut self) {
        self.unwinding.send_modify(|u| u.workflows = u.workflows.saturating_sub(1));
    }
}

/// How long a cancelled action may keep running to notice its token (and a workflow to stop
/// its step) before it is dropped. The rollbacks a workflow runs after that are not counted:
/// each is bounded by its own limit (see [`ROLLBACK_LIMIT`](crate::steps::ROLLBACK_LIMIT)).
pub const CANCEL_GRACE: Duration = Duration::from_secs(5);
