//! How a workflow fails: which step, why (the original error), and what each rollback did.

use crate::error::Error;
use crate::events::RollbackOutcome;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// How a step failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// It returned an error (after its retries).
    Failed,
    /// It panicked.
    Panicked,
    /// Its last attempt ran past its timeout.
    TimedOut,
    /// The run was cancelled while it ran (or before it started).
    Cancelled,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Failed => "failed",
            FailureKind::Panicked => "panicked",
            FailureKind::TimedOut => "timed out",
            FailureKind::Cancelled => "was cancelled",
        })
    }
}

/// The error of an attempt that ran past the step's timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the attempt ran past its {}", humantime::format_duration(*.0))]
pub struct StepTimedOut(pub Duration);

/// A workflow that did not complete: the failing step, its original error, and the outcome of
/// every rollback (the failing step's first, then the completed steps' in reverse order).
#[derive(Debug)]
pub struct WorkflowError {
    /// The step that failed.
    pub step: String,
    /// Its position, from 0.
    pub index: usize,
    /// How it failed.
    pub kind: FailureKind,
    /// Attempts made.
    pub attempts: u32,
    /// The original error (for a panic: its message; for a timeout: [`StepTimedOut`]; for
    /// cancellation: [`Cancelled`](crate::Cancelled)).
    pub cause: Error,
    /// What each rollback did, in the order they ran.
    pub rollbacks: Vec<RollbackOutcome>,
    /// What happened to every step: completed ones now rolled back, the failed one, and those
    /// that never ran.
    pub steps: Vec<super::StepResult>,
}

impl WorkflowError {
    /// True when every rollback succeeded (nothing is left behind).
    pub fn fully_rolled_back(&self) -> bool {
        self.rollbacks.iter().all(RollbackOutcome::succeeded)
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "step `{}` {}", self.step, self.kind)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, ": {}", self.cause)?;
        if self.rollbacks.is_empty() {
            f.write_str("; nothing to roll back")
        } else {
            let outcomes: Vec<String> = self.rollbacks.iter().map(ToString::to_string).collect();
            write!(f, "; {}", outcomes.join(", "))
        }
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.cause.as_ref())
    }
}
