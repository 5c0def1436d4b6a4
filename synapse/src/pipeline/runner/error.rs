//! [`PipelineError`]: why a pipeline run did not complete, with its kind, exit code and the
//! report its `error` event carries.

use super::super::store::StoreError;
use crate::executor::{ErrorKind, ErrorReport, RunError};
use crate::params::ParamsError;
use crate::registry::RegistryError;

/// Why a pipeline run did not complete.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PipelineError {
    /// No pipeline of that name.
    #[error("no pipeline `{name}` in this plugin; {}", if available.is_empty() { "it has none".to_owned() } else { format!("it has: {}", available.join(", ")) })]
    UnknownPipeline {
        /// The name asked for.
        name: String,
        /// The pipelines there are.
        available: Vec<String>,
    },
    /// The initial params do not fit the pipeline (`action` in the error is the pipeline).
    #[error("invalid params for pipeline `{}`: {} {}\n{}", .0.action, .0.violations.len(), if .0.violations.len() == 1 { "problem" } else { "problems" }, .0.violations)]
    InvalidParams(ParamsError),
    /// A typed result feeds a later action a field of another type.
    #[error("pipeline `{pipeline}` does not chain: {}", problems.join("; "))]
    Chain {
        /// The pipeline.
        pipeline: String,
        /// What does not fit.
        problems: Vec<String>,
    },
    /// An action failed (or was cancelled); the run can be resumed from it.
    #[error("pipeline `{pipeline}` stopped at action {} `{action}` (run `{run_id}`; resume it with `pipeline resume {run_id}`): {source}", index + 1)]
    ActionFailed {
        /// The pipeline.
        pipeline: String,
        /// The run.
        run_id: String,
        /// The action's position, from 0.
        index: usize,
        /// The action.
        action: String,
        /// What went wrong.
        #[source]
        source: Box<RunError>,
    },
    /// The pipeline changed since the run started: its checkpoints no longer fit.
    #[error("run `{run_id}` cannot resume: pipeline `{pipeline}` changed since it started: {}", changes.join("; "))]
    Changed {
        /// The run.
        run_id: String,
        /// The pipeline.
        pipeline: String,
        /// What changed.
        changes: Vec<String>,
    },
    /// The run completed already.
    #[error("run `{run_id}` of pipeline `{pipeline}` already completed; nothing to resume")]
    AlreadyCompleted {
        /// The run.
        run_id: String,
        /// The pipeline.
        pipeline: String,
    },
    /// The run store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The binary's registry is inconsistent.
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

impl PipelineError {
    /// The kind of failure, as the run's `error` event and the exit code tell it: the
    /// action's own kind when an action failed; `usage` for a request that cannot be served
    /// (an unknown pipeline, resuming a run that completed or whose pipeline changed);
    /// `registry` for a pipeline that does not chain (a build problem of the plugin).
    pub fn kind(&self) -> ErrorKind {
        match self {
            PipelineError::ActionFailed { source, .. } => source.kind(),
            PipelineError::InvalidParams(_) => ErrorKind::InvalidParams,
            PipelineError::UnknownPipeline { .. }
            | PipelineError::Changed { .. }
            | PipelineError::AlreadyCompleted { .. } => ErrorKind::Usage,
            PipelineError::Chain { .. } | PipelineError::Registry(_) => ErrorKind::Registry,
            PipelineError::Store(_) => ErrorKind::Infrastructure,
        }
    }

    /// The plugin binary's exit code for this error (see [`ErrorKind::exit_code`]): 2 for bad
    /// input or a request that cannot be served, 130 for a cancelled action, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// As the `error` event of the pipeline run.
    pub fn report(&self) -> ErrorReport {
        match self {
            // The action's own report (its step, its rollbacks), under the pipeline's headline.
            PipelineError::ActionFailed { source, action, .. } => {
                let mut report = source.report();
                report.message = self.to_string().lines().next().unwrap_or_default().to_owned();
                report.action = Some(action.clone());
                report
            }
            PipelineError::InvalidParams(error) => {
                let mut report = RunError::InvalidParams(error.clone()).report();
                report.action = None;
                report.message = self.to_string();
                report
            }
            other => {
                let mut report = RunError::Infrastructure(other.to_string()).report();
                report.kind = other.kind();
                report.causes.clear();
                report
            }
        }
    }
}
