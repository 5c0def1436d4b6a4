//! A failure as data: the kind of a failure (stable on the wire, with its exit code), the report
//! an `error` event carries and that crosses process boundaries, and what each rollback of a
//! workflow did. The executors' [`RunError`](crate::executor::RunError) is the typed error that
//! becomes a report ([`RunError::report`](crate::executor::RunError::report)); the steps'
//! orchestrator produces the rollback outcomes.

use crate::params::Violations;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The kind of a failure, stable on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// See [`RunError::ActionNotFound`](crate::executor::RunError::ActionNotFound).
    ActionNotFound,
    /// See [`RunError::PluginNotFound`](crate::executor::RunError::PluginNotFound).
    PluginNotFound,
    /// See [`RunError::InvalidParams`](crate::executor::RunError::InvalidParams).
    InvalidParams,
    /// See [`RunError::Failed`](crate::executor::RunError::Failed).
    Failed,
    /// See [`RunError::Panicked`](crate::executor::RunError::Panicked).
    Panicked,
    /// See [`RunError::Cancelled`](crate::executor::RunError::Cancelled).
    Cancelled,
    /// See [`RunError::InvalidResult`](crate::executor::RunError::InvalidResult).
    InvalidResult,
    /// See [`RunError::ModeUnavailable`](crate::executor::RunError::ModeUnavailable).
    ModeUnavailable,
    /// See [`RunError::Registry`](crate::executor::RunError::Registry).
    Registry,
    /// See [`RunError::Lost`](crate::executor::RunError::Lost).
    Lost,
    /// See [`RunError::Infrastructure`](crate::executor::RunError::Infrastructure) and [`RunError::Disconnected`](crate::executor::RunError::Disconnected).
    Infrastructure,
    /// See [`RunError::Usage`](crate::executor::RunError::Usage).
    Usage,
}

impl ErrorKind {
    /// The process exit code for a run that failed this way: 2 for bad input or usage, 130
    /// for cancellation, 1 for everything else.
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::InvalidParams
            | ErrorKind::ActionNotFound
            | ErrorKind::PluginNotFound
            | ErrorKind::ModeUnavailable
            | ErrorKind::Usage => 2,
            ErrorKind::Cancelled => 130,
            _ => 1,
        }
    }
}

/// A failure as data: what the `error` event carries and what crosses process boundaries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorReport {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The headline, e.g. "action `process` failed: disk full".
    pub message: String,
    /// The action, when one was resolved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The error's causes, outermost first (without the headline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    /// The broken constraints, for invalid params or results.
    #[serde(default, skip_serializing_if = "Violations::is_empty")]
    pub violations: Violations,
    /// Where a panic happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The workflow step that failed, for workflow actions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What each rollback did, in the order they ran, for workflow actions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollbacks: Vec<RollbackOutcome>,
}

impl fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        Ok(())
    }
}

/// The outcome of one step's rollback.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RollbackOutcome {
    /// The step rolled back.
    pub step: String,
    /// Why the rollback failed; `None` when it succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The attempt whose partial effects were rolled back, for an attempt that was retried;
    /// `None` for the rollback of a step's last attempt, or of a completed step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

impl RollbackOutcome {
    /// True when the rollback succeeded.
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
    }
}

impl fmt::Display for RollbackOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.attempt {
            Some(attempt) => format!("{} (attempt {attempt})", self.step),
            None => self.step.clone(),
        };
        match &self.error {
            None => write!(f, "{what} rolled back"),
            Some(error) => write!(f, "{what} NOT rolled back ({error})"),
        }
    }
}
