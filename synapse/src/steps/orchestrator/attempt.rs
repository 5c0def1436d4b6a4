//! One attempt of a step, and why it did not succeed: its error, a panic, a timeout or the run's
//! cancellation, whichever comes first. The [orchestrator](super::Orchestrator) retries or fails
//! the step on what it returns.

use super::in_step_span;
use crate::context::Context;
use crate::error::panic;
use crate::error::{Cancelled, Error};
use crate::steps::StepCx;
use crate::steps::erased::StepHandle;
use crate::steps::error::{FailureKind, StepTimedOut};
use futures_util::FutureExt;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

/// Why one attempt did not succeed.
pub(super) enum Attempt {
    Failed(Error),
    Panicked(String, Option<String>),
    TimedOut(Duration),
    Cancelled,
}

impl Attempt {
    pub(super) fn retryable(&self) -> bool {
        matches!(self, Attempt::Failed(error) if !error.chain().any(|e| e.is::<Cancelled>()))
            || matches!(self, Attempt::TimedOut(_))
    }

    pub(super) fn kind(&self) -> FailureKind {
        match self {
            Attempt::Failed(error) if error.chain().any(|e| e.is::<Cancelled>()) => FailureKind::Cancelled,
            Attempt::Failed(_) => FailureKind::Failed,
            Attempt::Panicked(..) => FailureKind::Panicked,
            Attempt::TimedOut(_) => FailureKind::TimedOut,
            Attempt::Cancelled => FailureKind::Cancelled,
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Attempt::Failed(error) => crate::error::chain_line(error),
            Attempt::Panicked(message, Some(location)) => format!("panicked: {message} (at {location})"),
            Attempt::Panicked(message, None) => format!("panicked: {message}"),
            Attempt::TimedOut(limit) => StepTimedOut(*limit).to_string(),
            Attempt::Cancelled => Cancelled.to_string(),
        }
    }

    pub(super) fn into_error(self) -> Error {
        match self {
            Attempt::Failed(error) => error,
            Attempt::Panicked(message, location) => match location {
                Some(location) => anyhow::anyhow!("{message} (at {location})"),
                None => anyhow::anyhow!("{message}"),
            },
            Attempt::TimedOut(limit) => StepTimedOut(limit).into(),
            Attempt::Cancelled => Cancelled.into(),
        }
    }
}

/// One attempt of `step`: its error, panic, timeout or cancellation, whichever comes first.
pub(super) async fn attempt<C: Send + 'static>(
    step: &StepHandle<C>,
    cx: &mut StepCx<'_, C>,
    undo: &mut Box<dyn Any + Send + Sync>,
    ctx: &Context,
) -> Result<(), Attempt> {
    let timeout = step.spec().timeout;
    let started = timeout.map(|_| Instant::now());
    let run = AssertUnwindSafe(in_step_span(step.name(), step.execute(cx, undo))).catch_unwind();
    let limited = async {
        match timeout {
            Some(limit) => tokio::time::timeout(limit, run).await.map_err(|_| Attempt::TimedOut(limit)),
            None => Ok(run.await),
        }
    };
    let outcome = tokio::select! {
        biased;
        outcome = limited => outcome?,
        () = ctx.cancellation_token().cancelled() => return Err(Attempt::Cancelled),
    };
    // A body that blocks its thread keeps the timer from firing; if it succeeds past its
    // limit, it timed out all the same (a failure keeps its own cause).
    if let (Some(limit), Some(started), Ok(Ok(()))) = (timeout, started, &outcome)
        && started.elapsed() > limit
    {
        return Err(Attempt::TimedOut(limit));
    }
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(Attempt::Failed(error)),
        Err(payload) => Err(Attempt::Panicked(panic::message(payload.as_ref()), panic::take_location())),
    }
}
