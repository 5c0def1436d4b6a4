//! Driving an action's body to its outcome: on the caller's task or on a thread of its own,
//! with the cancellation grace, abandonment (and why), panics caught with where they happened,
//! and the action's result checked against its output.

use crate::action::{ActionDescriptor, Failure, Produced};
use crate::context::{CANCEL_GRACE, Context};
use crate::error::panic;
use crate::error::{Cancelled, Error};
use crate::events::{EventKind, LogLevel};
use crate::executor::RunError;
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Either};
use serde_json::Value;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Runs the action's body to its outcome: params and defaults checked, the body on the
/// caller's task or a thread of its own, a cancelled run given `grace` to stop (a workflow
/// its rollbacks) before it is abandoned, its background work awaited, its result checked.
pub(super) async fn drive(
    descriptor: &'static ActionDescriptor,
    params: Value,
    ctx: Context,
    cancel: &CancellationToken,
    action_thread: bool,
    grace: std::time::Duration,
) -> Result<Value, RunError> {
    let action = descriptor.name();
    crate::registry::check_defaults(descriptor)?;
    descriptor.validate_params(&params)?;
    // The run's control (its background work, whether it unwinds), kept after the body took
    // the context.
    let run_ctx = ctx.clone();
    let control = run_ctx.control();
    let mut body = descriptor.run(params, ctx);
    if crate::events::capture::is_on() {
        // What the action logs with `tracing` or `log` belongs to this run.
        body = Box::pin(body.instrument(crate::events::capture::run_span(run_ctx.run_id(), action)));
    }
    let run = if action_thread {
        Either::Left(on_action_thread(body))
    } else {
        Either::Right(AssertUnwindSafe(body).catch_unwind())
    };
    // On cancellation the action first gets a grace period to notice its token, stop and
    // return (cleaning up as it goes); only then is it dropped at its next await point. A
    // workflow's rollbacks are never cut short: the grace waits for them.
    let abandon = async {
        cancel.cancelled().await;
        tokio::time::sleep(grace).await;
        if !control.in_workflow() {
            return Abandoned::Action(grace);
        }
        // A workflow is not abandoned while it moves on: a step still running (blocking code
        // does not see the token) is waited for so that the workflow can roll back, and its
        // rollbacks run to their end, each bounded by its own limit.
        run_ctx.emitter().emit(EventKind::log_line(
            LogLevel::Warning,
            format!(
                "the action did not stop within {} of being cancelled: its workflow goes on (a step's blocking \
                 code does not see the cancellation); waiting for it so that it can roll back",
                humantime::format_duration(grace)
            ),
        ));
        let limit = crate::steps::ROLLBACK_LIMIT;
        if !control.workflows_ended(limit).await {
            return Abandoned::Workflow(limit);
        }
        // The workflow has rolled back: the action returns with its error at once.
        tokio::time::sleep(grace).await;
        Abandoned::Action(grace)
    };
    let finished = tokio::select! {
        biased;
        finished = run => finished,
        abandoned = abandon => {
            let detail = Some(Error::new(abandoned));
            return Err(RunError::Cancelled { action: action.to_owned(), detail });
        }
    };
    // Nothing of the run is still writing when it returns: its tracked background work ends
    // first (a cancelled run's within the grace).
    if cancel.is_cancelled() {
        let _ = tokio::time::timeout(grace, control.tasks_finished()).await;
    } else {
        control.tasks_finished().await;
    }

    match finished {
        Err(payload) => {
            let Panic { message, location } = Panic::of(payload);
            Err(RunError::Panicked { action: action.to_owned(), message, location })
        }
        Ok(Err(Failure::Params(violations))) => {
            Err(RunError::InvalidParams(crate::params::ParamsError { action: action.to_owned(), violations }))
        }
        Ok(Err(Failure::Action(error))) if error.chain().any(|cause| cause.is::<Cancelled>()) => {
            // The bare marker says nothing more; anything wrapped around it (a workflow's
            // rollbacks, the action's own context) is kept.
            let detail = if error.is::<Cancelled>() { None } else { Some(error) };
            Err(RunError::Cancelled { action: action.to_owned(), detail })
        }
        Ok(Err(Failure::Action(error))) => Err(RunError::Failed { action: action.to_owned(), source: error }),
        Ok(Ok(produced)) => descriptor
            .check_result(produced, run_ctx.logger())
            .map_err(|violations| RunError::InvalidResult { action: action.to_owned(), violations }),
    }
}

/// Why a cancelled run returned without its action's own outcome: the action was abandoned.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Abandoned {
    /// The action did not stop within the grace.
    #[error(
        "it did not stop within {} of being cancelled and was abandoned (an action stops only where it looks at \
         its cancellation: call `ctx.check_cancelled()?` in long loops, select on \
         `ctx.cancellation_token().cancelled()` around long awaits, and run blocking work with `ctx.spawn_blocking`)",
        humantime::format_duration(*.0)
    )]
    Action(std::time::Duration),
    /// Its workflow did not move on (no step ended, no rollback began) for this long.
    #[error(
        "its workflow did not move on for {} after the run was cancelled (a step or a rollback blocks its thread) \
         and was abandoned without rolling back",
        humantime::format_duration(*.0)
    )]
    Workflow(std::time::Duration),
}

/// How an action's body ended: what it returned, or the payload of its panic.
type Finished = std::thread::Result<Result<Produced, Failure>>;

/// A panic of an action, as the thread it happened on saw it (where it happened is recorded
/// per thread: see [`panic::take_location`]).
struct Panic {
    message: String,
    location: Option<String>,
}

impl Panic {
    /// The panic `payload` carries: one caught on the action's own thread, or one caught here.
    fn of(payload: Box<dyn Any + Send>) -> Self {
        match payload.downcast::<Panic>() {
            Ok(panic) => *panic,
            Err(payload) => Panic { message: panic::message(payload.as_ref()), location: panic::take_location() },
        }
    }
}

/// Runs the body on a thread of its own, with a single-threaded runtime of its own, so that a
/// body that blocks its thread (a sync action sleeping or spinning, a step calling blocking
/// code) cannot stop the caller's runtime from noticing signals, cancellation and timeouts.
/// The body's runtime is shut down before its outcome is delivered: tasks it spawned end with
/// it, and blocking work it started gets the cancellation grace to finish.
fn on_action_thread(body: BoxFuture<'static, Result<Produced, Failure>>) -> impl Future<Output = Finished> {
    let (sender, receiver) = tokio::sync::oneshot::channel::<Finished>();
    let spawned = std::thread::Builder::new().name("synapse-action".to_owned()).spawn(move || {
        let finished = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => {
                let finished = runtime.block_on(AssertUnwindSafe(body).catch_unwind());
                runtime.shutdown_timeout(CANCEL_GRACE);
                // Where it panicked is known on this thread only: say it now.
                finished.map_err(|payload| Box::new(Panic::of(payload)) as Box<dyn Any + Send>)
            }
            Err(error) => Ok(Err(Failure::Action(Error::new(error).context("cannot start the action's runtime")))),
        };
        let _ = sender.send(finished);
    });
    async move {
        match spawned {
            Ok(_) => receiver.await.unwrap_or_else(|_| {
                let message = "the action's thread ended without an outcome".to_owned();
                Err(Box::new(Panic { message, location: None }))
            }),
            Err(error) => Ok(Err(Failure::Action(Error::new(error).context("cannot start a thread for the action")))),
        }
    }
}
