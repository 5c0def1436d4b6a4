//! What an executor and a workflow share about a run beyond its events: the background work
//! the action started (so nothing of a run is still writing when it is rolled back or ends),
//! and whether a workflow of the run is going on, and moving on (a cancelled run is not
//! abandoned while its workflow can still roll back: the cancellation grace covers the action,
//! never its rollback).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::task::TaskTracker;

/// A run's background work and workflows, kept in its context (shared by every clone).
/// Both parts are made on first use: a run that starts no background work and runs no
/// workflow pays nothing for them.
#[derive(Default)]
pub(crate) struct RunControl {
    tasks: OnceLock<TaskTracker>,
    workflows: OnceLock<Arc<Workflows>>,
}

/// How many workflows of the run are going on right now, and how many times they moved on (a
/// step began or ended, a rollback began): a workflow that moves on is not stuck.
#[derive(Default)]
struct Workflows {
    running: watch::Sender<u32>,
    moves: AtomicU64,
}

impl RunControl {
    fn tracker(&self) -> &TaskTracker {
        self.tasks.get_or_init(TaskTracker::new)
    }

    fn workflows(&self) -> &Arc<Workflows> {
        self.workflows.get_or_init(Default::default)
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

    /// Marks a workflow of the run as going on until the returned guard is dropped.
    pub(crate) fn workflow(&self) -> WorkflowGoingOn {
        let workflows = self.workflows();
        workflows.running.send_modify(|n| *n += 1);
        WorkflowGoingOn { workflows: workflows.clone() }
    }

    /// Records that a workflow of the run moved on (a step began or ended, a rollback began).
    #[inline]
    pub(crate) fn moved_on(&self) {
        if let Some(workflows) = self.workflows.get() {
            workflows.moves.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether a workflow of the run is going on.
    pub(crate) fn in_workflow(&self) -> bool {
        self.workflows.get().is_some_and(|workflows| *workflows.running.borrow() > 0)
    }

    /// Waits until no workflow of the run is going on, or until they have not moved on for
    /// `stalled`; returns whether they ended.
    pub(crate) async fn workflows_ended(&self, stalled: Duration) -> bool {
        let Some(workflows) = self.workflows.get() else { return true };
        let mut running = workflows.running.subscribe();
        loop {
            let moves = workflows.moves.load(Ordering::Relaxed);
            // The sender lives in `self`, so the channel cannot close while this waits.
            if tokio::time::timeout(stalled, running.wait_for(|n| *n == 0)).await.is_ok() {
                return true;
            }
            if workflows.moves.load(Ordering::Relaxed) == moves {
                return false;
            }
        }
    }
}

/// A workflow of the run is going on while this lives.
pub(crate) struct WorkflowGoingOn {
    workflows: Arc<Workflows>,
}

impl Drop for WorkflowGoingOn {
    fn drop(&mut self) {
        self.workflows.running.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// How long a cancelled action may keep running to notice its token before it is abandoned.
/// A workflow is not abandoned while it moves on: a step that blocks its thread is waited for
/// so that the workflow can roll back, and its rollbacks run to completion, each bounded by its
/// own limit (see [`ROLLBACK_LIMIT`](crate::steps::ROLLBACK_LIMIT)); only a workflow that does
/// not move on for that long is abandoned.
pub const CANCEL_GRACE: Duration = Duration::from_secs(5);
