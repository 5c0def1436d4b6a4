//! Runs steps in order, reports weighted progress, and rolls back on failure.
//!
//! This module holds the orchestrator's run and what it reports. One attempt of a step (its
//! error, panic, timeout or cancellation) is in [`attempt`](mod@attempt); what follows a failure
//! (waiting for background work, the rollbacks, the error) is in [`rollback`](mod@rollback).

mod attempt;
mod rollback;

use super::erased::StepHandle;
use super::error::{FailureKind, WorkflowError};
use super::plan::{Plan, PlanEntry};
use super::{StepCx, StepSpec};
use crate::context::Context;
use crate::error::panic;
use crate::events::{EventKind, PlannedStep};
use crate::events::{OVERALL_UNITS, OverallProgress};
use attempt::{Attempt, attempt};
use futures_util::future::BoxFuture;
use rollback::{Failing, Run, fence, rollback};
use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What happened to one step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepStatus {
    /// It ran to completion.
    Completed,
    /// `can_skip` said there was nothing to do.
    Skipped,
    /// It failed (and was rolled back).
    Failed,
    /// It had completed, and was rolled back because a later step failed.
    RolledBack,
    /// It never ran, because an earlier step failed.
    NotRun,
}

/// One step's result.
#[derive(Debug)]
pub struct StepResult {
    /// The step name.
    pub name: &'static str,
    /// What happened.
    pub status: StepStatus,
    /// Attempts made (0 when skipped or not run).
    pub attempts: u32,
    /// Time spent executing it (all attempts).
    pub elapsed: Duration,
    /// What the step reported with [`StepCx::set_output`].
    pub output: Option<serde_json::Value>,
    /// Why it failed (for the failed step; the workflow error keeps the original error).
    pub error: Option<String>,
    /// What the step recorded for undoing it, when it completed and was not rolled back.
    rollback_data: Option<Box<dyn Any + Send + Sync>>,
}

impl StepResult {
    /// True when the step completed.
    pub fn success(&self) -> bool {
        self.status == StepStatus::Completed
    }

    /// True when the step was skipped.
    pub fn skipped(&self) -> bool {
        self.status == StepStatus::Skipped
    }

    /// What the step recorded for undoing it (its `Step::Undo`), when it completed.
    pub fn rollback_data<U: 'static>(&self) -> Option<&U> {
        self.rollback_data.as_ref().and_then(|undo| undo.downcast_ref::<U>())
    }
}

/// A completed workflow: every step's result.
#[derive(Debug)]
pub struct WorkflowReport {
    /// The steps, in order.
    pub steps: Vec<StepResult>,
    /// The whole run's duration.
    pub elapsed: Duration,
}

impl WorkflowReport {
    /// The result of step `name`.
    pub fn step(&self, name: &str) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.name == name)
    }
}

type BeforeStep<'h, C> = Box<dyn FnMut(&PlanEntry, &mut C) + Send + 'h>;

/// Runs a list of steps.
pub struct Orchestrator<'h, C> {
    steps: Vec<StepHandle<C>>,
    plan: Plan,
    before_step: Option<BeforeStep<'h, C>>,
}

impl<'h, C: Send + 'static> Orchestrator<'h, C> {
    /// An orchestrator for `steps`, in order (weights are normalized when they do not sum to 1).
    pub fn new(steps: Vec<StepHandle<C>>) -> Self {
        let specs: Vec<StepSpec> = steps.iter().map(|s| *s.spec()).collect();
        Orchestrator { plan: Plan::of(&specs), steps, before_step: None }
    }

    /// Calls `hook` before each step that is about to run (not for skipped steps), with the
    /// step's plan entry and the shared state.
    pub fn before_step(mut self, hook: impl FnMut(&PlanEntry, &mut C) + Send + 'h) -> Self {
        self.before_step = Some(Box::new(hook));
        self
    }

    /// The plan the steps run under.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Runs every step on `state`, reporting through `ctx`; on failure, rolls back and
    /// returns the failing step, its cause and each rollback's outcome.
    pub async fn run(self, ctx: &Context, state: &mut C) -> Result<WorkflowReport, WorkflowError> {
        let Orchestrator { steps, plan, mut before_step } = self;
        panic::install_panic_hook(false);
        // While this workflow goes on, a cancelled run waits for it (so that it can roll back).
        let _going_on = ctx.control().workflow();
        let started = Instant::now();
        let emitter = ctx.emitter();
        emitter.emit(EventKind::WorkflowStarted {
            steps: plan.entries.iter().map(PlannedStep::from).collect(),
            normalized_from: plan.normalized_from,
        });
        let run = Run { steps: &steps, plan: &plan };
        let overall = Arc::new(OverallProgress::new());
        let mut results: Vec<StepResult> = Vec::with_capacity(steps.len());
        // Completed steps and their undo logs, for rollback in reverse order.
        let mut done: Vec<(usize, Box<dyn Any + Send + Sync>)> = Vec::with_capacity(steps.len());
        for (index, step) in steps.iter().enumerate() {
            let entry = plan.entries[index];
            let scoped = ctx.in_step(entry.name, entry.offset, entry.weight, overall.clone());
            let mut cx = StepCx::new(&mut *state, scoped.clone());
            if ctx.is_cancelled() {
                drop(cx);
                let error = Attempt::Cancelled.into_error();
                return Err(run
                    .fail(ctx, state, &overall, index, FailureKind::Cancelled, 0, error, None, done, results)
                    .await);
            }
            if step.can_skip(&cx) {
                emitter.emit_in_step(Some(entry.name), EventKind::StepSkipped {});
                overall.advance(emitter, entry.offset + entry.weight);
                results.push(StepResult::new(entry.name, StepStatus::Skipped, 0, Duration::ZERO));
                continue;
            }
            if let Some(hook) = before_step.as_mut() {
                hook(&entry, &mut cx);
            }
            ctx.control().moved_on();
            emitter.emit_in_step(Some(entry.name), EventKind::StepStarted { index, weight: entry.weight });
            let step_started = Instant::now();
            let mut undo = Some(step.new_undo());
            let mut attempts = 0;
            // A retried attempt's partial effects are undone before the next attempt, which
            // starts from a fresh undo record; a failing undo ends the retries.
            let mut retry_rollbacks = Vec::new();
            let failure = loop {
                attempts += 1;
                let record = undo.get_or_insert_with(|| step.new_undo());
                let attempt = attempt(step, &mut cx, record, ctx).await;
                let Err(attempt_error) = attempt else { break None };
                let retry = attempt_error.retryable() && attempts <= step.spec().retries;
                emitter.emit_in_step(
                    Some(entry.name),
                    EventKind::StepFailed { attempt: attempts, will_retry: retry, error: attempt_error.describe() },
                );
                if !retry {
                    break Some(attempt_error);
                }
                if let Some(partial) = undo.take() {
                    fence(ctx, entry.name).await;
                    let mut outcome = rollback(step, &mut cx, partial, ctx).await;
                    outcome.attempt = Some(attempts);
                    let failed = outcome.error.is_some();
                    retry_rollbacks.push(outcome);
                    if failed {
                        break Some(attempt_error);
                    }
                }
                let wait = step.spec().backoff_before(attempts);
                tokio::select! {
                    biased;
                    () = ctx.cancellation_token().cancelled() => break Some(Attempt::Cancelled),
                    () = tokio::time::sleep(wait) => {}
                }
            };
            ctx.control().moved_on();
            let elapsed = step_started.elapsed();
            let output = cx.take_output();
            drop(cx);
            match failure {
                None => {
                    emitter.emit_in_step(
                        Some(entry.name),
                        EventKind::StepCompleted { elapsed_ms: millis(elapsed), attempts, output: output.clone() },
                    );
                    overall.advance(emitter, entry.offset + entry.weight);
                    let mut result = StepResult::new(entry.name, StepStatus::Completed, attempts, elapsed);
                    result.output = output;
                    results.push(result);
                    done.push((index, undo.unwrap_or_else(|| step.new_undo())));
                    if ctx.is_cancelled() {
                        // Cancelled while the step ran (code that blocks does not see it): the
                        // run stops here, and what completed is rolled back, this step included.
                        let error = Attempt::Cancelled.into_error();
                        return Err(run
                            .fail(
                                ctx,
                                state,
                                &overall,
                                index,
                                FailureKind::Cancelled,
                                attempts,
                                error,
                                None,
                                done,
                                results,
                            )
                            .await);
                    }
                }
                Some(failure) => {
                    let kind = failure.kind();
                    let error = failure.into_error();
                    let failing = Some(Failing { undo, elapsed, rolled_back: retry_rollbacks });
                    return Err(run
                        .fail(ctx, state, &overall, index, kind, attempts, error, failing, done, results)
                        .await);
                }
            }
        }
        emitter.set_progress(None, OVERALL_UNITS, OVERALL_UNITS);
        for (index, undo) in done {
            results[index].rollback_data = Some(undo);
        }
        Ok(WorkflowReport { steps: results, elapsed: started.elapsed() })
    }
}

impl StepResult {
    fn new(name: &'static str, status: StepStatus, attempts: u32, elapsed: Duration) -> Self {
        StepResult { name, status, attempts, elapsed, output: None, error: None, rollback_data: None }
    }
}

/// `body` in the span of step `name` when Rust logs are captured (so what it logs is tagged with
/// the step), as it is otherwise.
fn in_step_span<'a, T: 'a>(name: &str, body: BoxFuture<'a, T>) -> BoxFuture<'a, T> {
    if crate::events::capture::is_on() {
        Box::pin(tracing::Instrument::instrument(body, crate::events::capture::step_span(name)))
    } else {
        body
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}
