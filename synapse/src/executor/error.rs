//! Why a run failed: a typed error for callers, and its serializable report for the event
//! stream and for crossing process boundaries.

use super::ExecutionMode;
use crate::error::Error;
use crate::events::{ErrorKind, ErrorReport, Reportable};
use crate::params::{ParamsError, Violations};
use crate::registry::RegistryError;
use crate::steps::WorkflowError;

/// Why a run did not produce a result.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// No action of that name is registered.
    #[error("unknown action `{action}`{}", suggestion(action, available))]
    ActionNotFound {
        /// The name asked for.
        action: String,
        /// The registered names.
        available: Vec<String>,
    },
    /// Several linked plugins define an action of that name; name the plugin.
    #[error("action `{action}` is defined by several plugins ({}); name the plugin with `run_plugin(code, …)`", crates.join(", "))]
    AmbiguousAction {
        /// The name asked for.
        action: String,
        /// The crates defining it.
        crates: Vec<String>,
    },
    /// The plugin code names no plugin this binary provides.
    #[error("unknown plugin `{code}`; this binary provides: {}", available.join(", "))]
    PluginNotFound {
        /// The code asked for.
        code: String,
        /// The codes this binary answers to.
        available: Vec<String>,
    },
    /// The params broke their schema; nothing ran.
    #[error(transparent)]
    InvalidParams(#[from] ParamsError),
    /// The action returned an error.
    #[error("action `{action}` failed: {source}")]
    Failed {
        /// The action.
        action: String,
        /// Its error, with its cause chain.
        #[source]
        source: Error,
    },
    /// The action panicked.
    #[error("action `{action}` panicked: {message}{}", location.as_ref().map(|l| format!(" (at {l})")).unwrap_or_default())]
    Panicked {
        /// The action.
        action: String,
        /// The panic message.
        message: String,
        /// Where it panicked, when known.
        location: Option<String>,
    },
    /// The run was cancelled.
    #[error("action `{action}` was cancelled{}", detail.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Cancelled {
        /// The action.
        action: String,
        /// What the action reported as it stopped (for a workflow: the step it stopped in and
        /// each rollback's outcome).
        #[source]
        detail: Option<Error>,
    },
    /// The action's result broke its own published result schema: the action's fault, named
    /// at the field ("action `train` failed: its result field `$.loss` is NaN, which JSON cannot
    /// carry"). A NaN or infinite float where a number must be is the constraint `finite`.
    #[error("action `{action}` failed: {}", result_problems(violations))]
    InvalidResult {
        /// The action.
        action: String,
        /// How the result is wrong.
        violations: Violations,
    },
    /// The execution mode cannot run here (no Ray cluster given, no plugin binary to run).
    #[error("{mode} mode cannot run: {reason}")]
    ModeUnavailable {
        /// The mode asked for.
        mode: ExecutionMode,
        /// Why.
        reason: String,
    },
    /// The binary's registry is inconsistent (a build problem of the plugin).
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// A failure reported by a run in another process, as it reported it.
    #[error("{0}")]
    Remote(Box<ErrorReport>),
    /// The process (or Ray job, or worker) running the action ended without reporting an outcome.
    #[error("the {place} running action `{action}` ended without reporting a result: {reason}")]
    Lost {
        /// The action.
        action: String,
        /// Where it ran: "plugin process", "Ray job `x`", "Ray worker `x`".
        place: String,
        /// What is known: an exit status, a signal, the last output.
        reason: String,
    },
    /// An executor could not reach or use its infrastructure (a plugin binary, a worker).
    #[error("{0}")]
    Infrastructure(String),
    /// The command line asked for something that cannot be done (an unreadable params or
    /// environment file, an option that does not fit the mode); nothing ran.
    #[error("{0}")]
    Usage(String),
    /// Contact with the place running the action was lost before its outcome arrived: the run
    /// may still be going on there.
    #[error("lost contact with {place} running action `{action}`: {reason}")]
    Disconnected {
        /// The action.
        action: String,
        /// Where it runs: "Ray job `x` (last seen RUNNING)", "the worker at 10.0.0.7:4000".
        place: String,
        /// What happened, and what the user can do about the run.
        reason: String,
    },
    /// Ray refused or could not do what was asked (an unreachable dashboard, an unknown job, a
    /// rejected submission).
    #[cfg(feature = "ray")]
    #[error(transparent)]
    Ray(#[from] super::ray::RayError),
    /// Packaging the plugin for Ray failed.
    #[cfg(feature = "ray")]
    #[error(transparent)]
    Package(#[from] super::ray::PackageError),
}

/// What is wrong with a result: "its result field `$.loss` is NaN, which JSON cannot carry", or
/// every problem, one a line.
fn result_problems(violations: &Violations) -> String {
    let mut each = violations.iter();
    match (each.next(), each.next()) {
        (Some(only), None) if only.path == "$" => format!("its result {}", only.message),
        (Some(only), None) => format!("its result field `{}` {}", only.path, only.message),
        _ => format!("its result breaks its own result schema in {} places:\n{violations}", violations.len()),
    }
}

fn suggestion(action: &str, available: &[String]) -> String {
    let close = synapse_macros_core::errors::closest(action, available.iter().map(String::as_str));
    match close {
        Some(name) => format!("; did you mean `{name}`? (available: {})", available.join(", ")),
        None if available.is_empty() => "; this binary registers no actions (actions defined in a library crate \
                                          are linked in by naming it: `synapse::main!(that_crate)` in a plugin \
                                          binary, `use that_crate as _;` in a test or another binary)"
            .to_owned(),
        None => format!("; available: {}", available.join(", ")),
    }
}

impl Reportable for RunError {
    fn error_report(&self) -> ErrorReport {
        self.report()
    }
}

impl RunError {
    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        match self {
            RunError::ActionNotFound { .. } | RunError::AmbiguousAction { .. } => ErrorKind::ActionNotFound,
            RunError::PluginNotFound { .. } => ErrorKind::PluginNotFound,
            RunError::InvalidParams(_) => ErrorKind::InvalidParams,
            RunError::Failed { .. } => ErrorKind::Failed,
            RunError::Panicked { .. } => ErrorKind::Panicked,
            RunError::Cancelled { .. } => ErrorKind::Cancelled,
            RunError::InvalidResult { .. } => ErrorKind::InvalidResult,
            RunError::ModeUnavailable { .. } => ErrorKind::ModeUnavailable,
            RunError::Registry(_) => ErrorKind::Registry,
            RunError::Lost { .. } => ErrorKind::Lost,
            // An address that is not a dashboard's URL at all is the caller's to fix.
            #[cfg(feature = "ray")]
            RunError::Ray(super::ray::RayError::InvalidAddress { .. }) => ErrorKind::Usage,
            #[cfg(feature = "ray")]
            RunError::Ray(_) | RunError::Package(_) => ErrorKind::Infrastructure,
            RunError::Infrastructure(_) | RunError::Disconnected { .. } => ErrorKind::Infrastructure,
            RunError::Usage(_) => ErrorKind::Usage,
            RunError::Remote(report) => report.kind,
        }
    }

    /// The exit code of a plugin process that ended with this error.
    pub fn exit_code(&self) -> u8 {
        self.kind().exit_code()
    }

    /// Whether the run was cancelled and its action, not stopping within the grace, was
    /// abandoned while still running (on a thread of its own: see
    /// [`RunOptions::action_thread`](super::RunOptions::action_thread)).
    pub fn was_abandoned(&self) -> bool {
        matches!(self, RunError::Cancelled { detail: Some(detail), .. } if detail.is::<super::local::Abandoned>())
    }

    /// The violations, for invalid params or results.
    pub fn violations(&self) -> Option<&Violations> {
        match self {
            RunError::InvalidParams(error) => Some(&error.violations),
            RunError::InvalidResult { violations, .. } => Some(violations),
            RunError::Remote(report) if !report.violations.is_empty() => Some(&report.violations),
            _ => None,
        }
    }

    /// This error as data.
    pub fn report(&self) -> ErrorReport {
        if let RunError::Remote(report) = self {
            return (**report).clone();
        }
        let action = match self {
            RunError::ActionNotFound { action, .. }
            | RunError::AmbiguousAction { action, .. }
            | RunError::Failed { action, .. }
            | RunError::Panicked { action, .. }
            | RunError::Cancelled { action, .. }
            | RunError::InvalidResult { action, .. }
            | RunError::Lost { action, .. }
            | RunError::Disconnected { action, .. } => Some(action.clone()),
            RunError::InvalidParams(error) => Some(error.action.clone()),
            _ => None,
        };
        let error = match self {
            RunError::Failed { source, .. } | RunError::Cancelled { detail: Some(source), .. } => Some(source),
            _ => None,
        };
        let workflow = error.and_then(|e| e.chain().find_map(|cause| cause.downcast_ref::<WorkflowError>()));
        // A workflow error's text already says its cause; list only what lies beneath it.
        // A cause the text before it already says is left out.
        let message = self.to_string();
        let beneath = |error: &Error| {
            let mut causes = crate::error::distinct_chain(error.as_ref());
            causes.remove(0);
            causes.retain(|cause| !message.contains(cause.as_str()));
            causes
        };
        let causes = match (workflow, error) {
            (Some(workflow), _) => beneath(&workflow.cause),
            (None, Some(error)) => beneath(error),
            (None, None) => Vec::new(),
        };
        let location = match self {
            RunError::Panicked { location, .. } => location.clone(),
            _ => None,
        };
        ErrorReport {
            kind: self.kind(),
            message,
            action,
            causes,
            violations: self.violations().cloned().unwrap_or_default(),
            location,
            step: workflow.map(|w| w.step.clone()),
            rollbacks: workflow.map(|w| w.rollbacks.clone()).unwrap_or_default(),
        }
    }
}

impl RunError {
    /// A run that asks Ray for `resources` but runs in `mode`, where nothing is reserved;
    /// `on_ray` names the modes that take them.
    /// In a build without the `ray` feature, it says so too.
    pub(crate) fn resources_off_ray(resources: &super::Resources, mode: &str, on_ray: &str) -> RunError {
        let mut message =
            format!("the run asks Ray for {resources}, but runs in `{mode}` mode: resources are for {on_ray}");
        if cfg!(not(feature = "ray")) {
            message.push_str(&format!(" ({})", crate::features::missing(&["ray"], "to run on Ray")));
        }
        RunError::Usage(message)
    }

    /// Why `mode` (`task` or `job`) cannot run in a build without the `ray` feature.
    #[cfg_attr(feature = "ray", allow(dead_code))]
    pub(crate) fn mode_without_ray(mode: ExecutionMode) -> RunError {
        RunError::ModeUnavailable {
            mode,
            reason: crate::features::missing(&["ray"], &format!("to use `--mode {mode}`")),
        }
    }

    /// Why `pipeline run|resume --mode job` cannot run in a build with the run store but without
    /// the `ray` feature.
    #[cfg_attr(any(feature = "ray", not(feature = "store")), allow(dead_code))]
    pub(crate) fn pipeline_job_without_ray() -> RunError {
        RunError::ModeUnavailable {
            mode: ExecutionMode::Job,
            reason: crate::features::missing(&["ray"], "to use `pipeline run|resume --mode job`"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Violation;

    fn invalid_result(violations: &[(&str, &str, &str)]) -> String {
        let violations: Vec<Violation> = violations
            .iter()
            .map(|(path, constraint, message)| Violation {
                path: (*path).into(),
                constraint: (*constraint).into(),
                message: (*message).into(),
            })
            .collect();
        let error = RunError::InvalidResult { action: "train".into(), violations: Violations::from(violations) };
        assert_eq!(error.kind(), ErrorKind::InvalidResult);
        error.to_string()
    }

    #[test]
    fn a_result_that_breaks_its_schema_is_the_action_failing_at_a_field() {
        assert_eq!(
            invalid_result(&[("$.loss", "finite", "is NaN, which JSON cannot carry")]),
            "action `train` failed: its result field `$.loss` is NaN, which JSON cannot carry"
        );
        assert_eq!(
            invalid_result(&[("$", "type", "must be an object (got null)")]),
            "action `train` failed: its result must be an object (got null)"
        );
        assert_eq!(
            invalid_result(&[
                ("$.score", "maximum", "must be at most 100 (got 250)"),
                ("$.loss", "finite", "is infinity, which JSON cannot carry"),
            ]),
            "action `train` failed: its result breaks its own result schema in 2 places:\n  \
             - $.loss: is infinity, which JSON cannot carry\n  - $.score: must be at most 100 (got 250)"
        );
    }

    #[test]
    fn a_mode_on_ray_without_the_feature_cannot_run_and_nothing_ran() {
        let error = RunError::mode_without_ray(ExecutionMode::Task);
        assert_eq!(
            error.to_string(),
            "task mode cannot run: this plugin was built without the `ray` feature of synapse; add it (`synapse = \
             { …, features = [\"ray\"] }` in its Cargo.toml) to use `--mode task`"
        );
        assert_eq!(error.exit_code(), 2);
        let error = RunError::pipeline_job_without_ray();
        assert_eq!(
            error.to_string(),
            "job mode cannot run: this plugin was built without the `ray` feature of synapse; add it (`synapse = { \
             …, features = [\"ray\"] }` in its Cargo.toml) to use `pipeline run|resume --mode job`"
        );
        assert_eq!(error.report().kind, ErrorKind::ModeUnavailable);
    }

    #[test]
    fn resources_off_ray_name_the_modes_that_take_them_and_a_missing_ray_feature() {
        let resources = crate::executor::Resources::default().gpus(1.0);
        let message = RunError::resources_off_ray(&resources, "local", "`--mode job`").to_string();
        assert!(
            message.starts_with("the run asks Ray for 1 GPU, but runs in `local` mode: resources are for `--mode job`"),
            "{message}"
        );
        assert_eq!(message.contains("built without the `ray` feature"), cfg!(not(feature = "ray")), "{message}");
    }
}
