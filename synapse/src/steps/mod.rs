//! Step workflows: ordered steps over one shared state, with weighted progress and
//! guaranteed rollback.
//!
//! A step is a small type marked [`#[step(weight = …)]`](crate::step) that implements
//! [`Step<C>`] for the state type `C` it works on. It records what it changed in its own typed
//! undo log (`Self::Undo`) *as it goes*, so a step that fails halfway can undo exactly its
//! partial effects. [`#[workflow]`](crate::workflow) lists the steps; the compiler checks that
//! every step runs on the same state type, that names are unique and that the weights sum to 1.
//!
//! The [orchestrator](Orchestrator) runs the steps in order. Overall progress is the sum of the
//! finished steps' weights plus the running step's weight times its own progress: it never goes
//! back, and reaches 100 % exactly when the workflow succeeds. When a step fails — an error, a
//! panic, a timeout after its retries, or cancellation — the failing step is rolled back first
//! (its partial effects), then every completed step in reverse order; skipped steps are not
//! rolled back; a rollback that fails is recorded and the others still run. The error names the
//! failing step, keeps its original cause, and lists the outcome of every rollback.
//!
//! What holds for real code, blocking code included:
//! - **Retries** start each attempt from a fresh undo record: the failed attempt's partial
//!   effects are rolled back first (reported like any rollback), so nothing is recorded twice.
//! - **Background work** started with [`StepCx::spawn_blocking`] (or
//!   [`Context::spawn_blocking`](crate::Context::spawn_blocking)) has ended before any rollback
//!   runs, so a rollback never races a write it is meant to undo.
//! - **Timeouts**: a step body that blocks its thread keeps the timer from firing, but if it
//!   returns past its `timeout` the attempt counts as timed out all the same.
//! - **Cancellation** gives the action [`CANCEL_GRACE`](crate::context::CANCEL_GRACE) to stop;
//!   the rollbacks that follow are not cut short by it: each runs to completion, bounded by its
//!   step's `timeout`, or by [`ROLLBACK_LIMIT`] for a step without one.
//!
//! ```
//! use synapse::prelude::*;
//! use synapse::steps::{Step, StepCx, Workflow};
//!
//! #[derive(Default)]
//! pub struct Counter {
//!     pub log: Vec<String>,
//! }
//!
//! #[step(weight = 0.25)]
//! pub struct Prepare;
//!
//! impl Step<Counter> for Prepare {
//!     type Undo = ();
//!     async fn execute(&self, cx: &mut StepCx<'_, Counter>, _undo: &mut ()) -> Result<()> {
//!         cx.log.push("prepared".into());
//!         Ok(())
//!     }
//! }
//!
//! #[step(weight = 0.75)]
//! pub struct Work;
//!
//! impl Step<Counter> for Work {
//!     type Undo = usize;
//!     async fn execute(&self, cx: &mut StepCx<'_, Counter>, pushed: &mut usize) -> Result<()> {
//!         for i in 0..3 {
//!             cx.log.push(format!("item {i}"));
//!             *pushed += 1;
//!             cx.set_progress(i + 1, 3);
//!         }
//!         Ok(())
//!     }
//!
//!     async fn rollback(&self, cx: &mut StepCx<'_, Counter>, pushed: usize) -> Result<()> {
//!         let keep = cx.log.len() - pushed;
//!         cx.log.truncate(keep);
//!         Ok(())
//!     }
//! }
//!
//! #[workflow(context = Counter)]
//! pub struct CountWorkflow(Prepare, Work);
//!
//! assert_eq!(CountWorkflow::PLAN.iter().map(|s| s.name).collect::<Vec<_>>(), ["prepare", "work"]);
//! # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
//! let ctx = Context::builder("demo").build();
//! let mut state = Counter::default();
//! let report = rt.block_on(CountWorkflow::run(&ctx, &mut state)).unwrap();
//! assert_eq!(state.log, ["prepared", "item 0", "item 1", "item 2"]);
//! assert_eq!(report.steps.len(), 2);
//! ```

mod cx;
mod erased;
mod error;
mod orchestrator;
pub(crate) mod plan;
mod registry;

pub use crate::events::RollbackOutcome;
pub use cx::StepCx;
pub use erased::StepHandle;
pub use error::{FailureKind, StepTimedOut, WorkflowError};
pub use orchestrator::{Orchestrator, StepResult, StepStatus, WorkflowReport};
pub use plan::{Plan, PlanEntry, StepSpec, is_placeholder, plan_entries, repeated_names, step_weights_sum};
pub use registry::{StepRegistry, StepRegistryError};

use crate::error::Result;
use std::future::Future;
use std::time::Duration;

/// How long one step's rollback may take when the step sets no `timeout` (with one, the
/// timeout bounds its rollback too); past it the rollback is reported as timed out and the
/// next one runs.
pub const ROLLBACK_LIMIT: Duration = Duration::from_secs(300);

/// A workflow step over the shared state `C`.
///
/// Mark the type with [`#[step(weight = …)]`](crate::step), which gives it its name, weight,
/// retries and timeout.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a step over `{C}`",
    label = "this step does not implement `Step<{C}>`",
    note = "every step of a workflow runs on the workflow's context type: add `impl synapse::steps::Step<{C}> for {Self}`, or list the step in a workflow over its own context"
)]
pub trait Step<C: Send + 'static>: StepInfo + Send + Sync + 'static {
    /// What the step records so it can be undone: the files it wrote, the ids it created.
    /// It starts as `Default::default()` and the step adds to it as it makes changes.
    type Undo: Default + Send + Sync + 'static;

    /// Does the step's work on `cx` (the shared state, plus the run's context scoped to this
    /// step), recording each change in `undo` as it makes it.
    fn execute(&self, cx: &mut StepCx<'_, C>, undo: &mut Self::Undo) -> impl Future<Output = Result<()>> + Send;

    /// True when the step has nothing to do; it is then skipped (and never rolled back).
    fn can_skip(&self, cx: &StepCx<'_, C>) -> bool {
        let _ = cx;
        false
    }

    /// Undoes what `undo` records. Called for a completed step when a later one fails, for the
    /// failing step itself (with what it recorded before failing), and for each attempt that
    /// is retried (before the next attempt, which starts from a fresh record). It runs to
    /// completion even when the run was cancelled, bounded by the step's `timeout` or by
    /// [`ROLLBACK_LIMIT`].
    fn rollback(&self, cx: &mut StepCx<'_, C>, undo: Self::Undo) -> impl Future<Output = Result<()>> + Send {
        let _ = (cx, undo);
        async { Ok(()) }
    }
}

/// A step's name, weight, retries and timeout. Implemented by [`#[step]`](crate::step).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not marked `#[step]`",
    label = "workflow steps need `#[step(weight = …)]`",
    note = "put `#[synapse::step(weight = 0.5)]` on the type"
)]
pub trait StepInfo {
    /// The step's specification.
    const SPEC: StepSpec;
}

/// How a workflow builds a step value. Implemented by `#[step]`.
#[doc(hidden)]
pub trait ConstructStep {
    /// A fresh step value.
    fn construct() -> Self;
}

/// An ordered list of steps over one state type, checked at compile time. Implemented by
/// [`#[workflow]`](crate::workflow).
pub trait Workflow: 'static {
    /// The state the steps share.
    type Context: Send + 'static;

    /// The steps' names, shares of the overall progress, and where each share starts.
    const PLAN: &'static [PlanEntry];

    /// The steps, in order.
    fn steps() -> Vec<StepHandle<Self::Context>>;

    /// A registry holding the steps, to customize (insert, remove, replace) before running.
    fn registry() -> StepRegistry<Self::Context> {
        StepRegistry::from_steps(Self::steps())
    }

    /// Runs the workflow on `state`, reporting through `ctx`.
    fn run<'a>(
        ctx: &'a crate::Context,
        state: &'a mut Self::Context,
    ) -> impl Future<Output = std::result::Result<WorkflowReport, WorkflowError>> + Send + 'a {
        async move { Orchestrator::new(Self::steps()).run(ctx, state).await }
    }
}
