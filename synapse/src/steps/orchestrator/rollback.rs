//! What follows a failure: waiting for the run's background work, rolling back the failing step
//! and then the completed ones in reverse order, and the error that names every rollback's
//! outcome. The [orchestrator](super::Orchestrator) calls on it when a step fails, and to undo a
//! retried attempt.

use super::{StepResult, StepStatus, in_step_span, millis};
use crate::context::Context;
use crate::error::{Error, panic};
use crate::events::{EventKind, OverallProgress, RollbackOutcome};
use crate::steps::erased::StepHandle;
use crate::steps::error::{FailureKind, StepTimedOut, WorkflowError};
use crate::steps::plan::Plan;
use crate::steps::{ROLLBACK_LIMIT, StepCx};
use futures_util::FutureExt;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The failing step: what its last attempt recorded (none when a failed undo of an earlier
/// attempt ended the retries), how long it ran, and the undos of its retried attempts.
pub(super) struct Failing {
    pub(super) undo: Option<Box<dyn Any + Send + Sync>>,
    pub(super) elapsed: Duration,
    pub(super) rolled_back: Vec<RollbackOutcome>,
}

/// Waits until the background work the run started with [`Context::spawn_blocking`] (or
/// [`Context::spawn`]) has ended, so a rollback never races a write it is meant to undo.
pub(super) async fn fence(ctx: &Context, step: &str) {
    let running = ctx.control().running_tasks();
    if running > 0 {
        ctx.emitter().emit_in_step(
            Some(step),
            EventKind::log_line(
                crate::events::LogLevel::Debug,
                format!("waiting for {running} background task(s) of the run to end before rolling back"),
            ),
        );
    }
    ctx.control().tasks_finished().await;
}

/// The steps and plan of one run (what failure handling needs; shareable across awaits).
pub(super) struct Run<'r, C> {
    pub(super) steps: &'r [StepHandle<C>],
    pub(super) plan: &'r Plan,
}

impl<C: Send + 'static> Run<'_, C> {
    /// Rolls back the failing step (with what it recorded) and then the completed steps in
    /// reverse order, and builds the error.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn fail(
        &self,
        ctx: &Context,
        state: &mut C,
        overall: &Arc<OverallProgress>,
        index: usize,
        kind: FailureKind,
        attempts: u32,
        cause: Error,
        failing: Option<Failing>,
        done: Vec<(usize, Box<dyn Any + Send + Sync>)>,
        mut results: Vec<StepResult>,
    ) -> WorkflowError {
        fence(ctx, self.steps[index].name()).await;
        // Whether step `index` failed itself (rather than completing before the run stopped).
        let failed_itself = failing.is_some();
        let mut rollbacks = Vec::new();
        let failing_undo = match failing {
            Some(Failing { undo, elapsed, rolled_back }) => {
                let mut result = StepResult::new(self.steps[index].name(), StepStatus::Failed, attempts, elapsed);
                result.error = Some(format!("{cause:#}"));
                results.push(result);
                rollbacks.extend(rolled_back);
                undo.map(|undo| (index, undo))
            }
            None => None,
        };
        for (step_index, undo) in failing_undo.into_iter().chain(done.into_iter().rev()) {
            let entry = self.plan.entries[step_index];
            let scoped = ctx.in_step(entry.name, entry.offset, entry.weight, overall.clone());
            let mut cx = StepCx::new(&mut *state, scoped);
            rollbacks.push(rollback(&self.steps[step_index], &mut cx, undo, ctx).await);
            if step_index != index || !failed_itself {
                results[step_index].status = StepStatus::RolledBack;
            }
        }
        for later in &self.steps[results.len()..] {
            results.push(StepResult::new(later.name(), StepStatus::NotRun, 0, Duration::ZERO));
        }
        WorkflowError {
            step: self.steps[index].name().to_owned(),
            index,
            kind,
            attempts,
            cause,
            rollbacks,
            steps: results,
        }
    }
}

/// Rolls one step back; never fails the caller (a failing rollback is an outcome).
pub(super) async fn rollback<C: Send + 'static>(
    step: &StepHandle<C>,
    cx: &mut StepCx<'_, C>,
    undo: Box<dyn Any + Send + Sync>,
    ctx: &Context,
) -> RollbackOutcome {
    let name = step.name();
    let emitter = ctx.emitter();
    ctx.control().moved_on();
    emitter.emit_in_step(Some(name), EventKind::RollbackStarted {});
    let started = Instant::now();
    let run = AssertUnwindSafe(in_step_span(name, step.rollback(cx, undo))).catch_unwind();
    let limit = step.spec().timeout.unwrap_or(ROLLBACK_LIMIT);
    let outcome = tokio::time::timeout(limit, run).await.map_err(|_| StepTimedOut(limit).to_string());
    let outcome = match outcome {
        Ok(_) if started.elapsed() > limit => Err(StepTimedOut(limit).to_string()),
        other => other,
    };
    let error = match outcome {
        Ok(Ok(Ok(()))) => None,
        Ok(Ok(Err(error))) => Some(crate::error::chain_line(&error)),
        Ok(Err(payload)) => Some(format!("panicked: {}", panic::message(payload.as_ref()))),
        Err(timed_out) => Some(timed_out),
    };
    match &error {
        None => {
            emitter.emit_in_step(Some(name), EventKind::RollbackCompleted { elapsed_ms: millis(started.elapsed()) })
        }
        Some(error) => emitter.emit_in_step(Some(name), EventKind::RollbackFailed { error: error.clone() }),
    }
    RollbackOutcome { step: name.to_owned(), error, attempt: None }
}
