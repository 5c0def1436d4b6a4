//! [`ToTaskError`]: why a pre-annotation run failed, naming the project, the specification, the
//! filters, the action or the failing tasks; [`TaskFailure`]: why one task was not annotated.

use crate::backend::BackendError;
use crate::steps::FailureKind;

/// Why one task was not annotated (its file missing, a bad label line, the inference action's
/// error, the backend refusing the annotation): recorded, and the other tasks go on.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// The task
    pub task_id: u64,
    /// Why it was not annotated
    pub reason: String,
}

/// Why a pre-annotation run failed. One task's failure is not one: it is a [`TaskFailure`] in
/// the result, unless every task failed ([`ToTaskError::AllFailed`]).
///
/// ```
/// use synapse::to_task::ToTaskError;
/// let error = ToTaskError::SpecificationNotFound {
///     name: "label_9".into(), collection: 4, specifications: vec!["image_1".into(), "label_1".into()],
/// };
/// assert_eq!(
///     error.to_string(),
///     "`target_specification_name` `label_9` is not a file specification of data collection 4 (it has image_1, label_1)"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToTaskError {
    /// The run has no backend client.
    #[error("{reason}")]
    NoBackend {
        /// What the context says.
        reason: String,
    },
    /// A call to the backend failed (reading the project, its data collection, listing tasks).
    #[error("{what}: {source}")]
    Backend {
        /// What was being done (`reading project 3`).
        what: String,
        /// What the client met.
        #[source]
        source: Box<BackendError>,
    },
    /// A params combination the method cannot run: `file` without `target_specification_name`,
    /// `inference` without `pre_processor` (or a plugin release without `model`, or in a build
    /// without the `serve` feature), `class_names` that are not strings, a filter that is
    /// an object.
    #[error("{reason}")]
    Params {
        /// What is missing or wrong, naming the param.
        reason: String,
    },
    /// `target_specification_name` names no file specification of the project's data collection.
    #[error(
        "`target_specification_name` `{name}` is not a file specification of data collection {collection} (it has {})",
        specifications.join(", ")
    )]
    SpecificationNotFound {
        /// The name given.
        name: String,
        /// The project's data collection.
        collection: u64,
        /// Its specifications' names.
        specifications: Vec<String>,
    },
    /// `pre_processor` names no action of this plugin.
    #[error("`pre_processor` `{name}` is not an action of plugin `{plugin}` (its actions: {}){}{}", available.join(", "), nearest_action(name, available), release_hint(name))]
    UnknownInferenceAction {
        /// The name given.
        name: String,
        /// The plugin searched.
        plugin: String,
        /// Its actions.
        available: Vec<String>,
    },
    /// The inference action refused the params built for a task
    /// ([`Annotator::inference_params`](super::Annotator::inference_params)): every task's params
    /// have that shape, so the run stops at the first refusal rather than failing each task.
    #[error(
        "inference action `{action}` refuses the params built for task {task_id} (an inference action takes `synapse::to_task::InferenceRequest`, or the annotator's `inference_params` must build what it takes):\n{violations}"
    )]
    InferenceParams {
        /// The action.
        action: String,
        /// The first task whose params it refused.
        task_id: u64,
        /// What its params schema says is wrong.
        violations: crate::params::Violations,
    },
    /// The serve application refused the request built for a task (422): every task's request
    /// has that shape, so the run stops at the first refusal.
    #[error(
        "serve application `{application}` refuses the request built for task {task_id} (its deployment's input must take `synapse::to_task::InferenceRequest`, or the annotator's `inference_params` must build its input):\n{violations}"
    )]
    ServedParams {
        /// The serve application.
        application: String,
        /// The first task whose request it refused.
        task_id: u64,
        /// What its input's schema says is wrong, with each field's path.
        violations: crate::params::Violations,
    },
    /// A plugin release as `pre_processor` whose plugin has no serve application running (none
    /// registered `RUNNING` has a replica that answers), and this run cannot deploy one.
    #[error(
        "plugin release {release} (plugin `{plugin}`) has no serve application running{}: {hint}",
        if seen.is_empty() { String::new() } else { format!(" (seen: {})", seen.join("; ")) }
    )]
    NoServeApplication {
        /// The release.
        release: u64,
        /// Its plugin's code.
        plugin: String,
        /// The applications found, with why each was passed over.
        seen: Vec<String>,
        /// What would start one.
        hint: String,
    },
    /// This plugin's `deployment` action, run because its serve application was not running,
    /// failed.
    #[error(
        "plugin `{plugin}` has no serve application running{} and it could not be deployed: {source:#}",
        if seen.is_empty() { String::new() } else { format!(" (seen: {})", seen.join("; ")) }
    )]
    Deployment {
        /// The plugin.
        plugin: String,
        /// The applications found, with why each was passed over.
        seen: Vec<String>,
        /// Why.
        #[source]
        source: crate::Error,
    },
    /// The binary's action registry does not build (two actions of one name, say), so the
    /// inference action cannot be found.
    #[error("the inference action cannot be found: {reason}")]
    Registry {
        /// What is wrong with the registry.
        reason: String,
    },
    /// No task of the project matches the filters.
    #[error("no task of project {project} matches the task filters {filters}: nothing to annotate")]
    NoTasks {
        /// The project.
        project: u64,
        /// The filters, as JSON.
        filters: String,
    },
    /// Every task failed: the failures, by task.
    #[error(
        "every one of the {total} tasks failed; the first: task {}: {}",
        failures.first().map_or(0, |f| f.task_id),
        failures.first().map_or("", |f| f.reason.as_str())
    )]
    AllFailed {
        /// How many tasks there were.
        total: u64,
        /// Why each failed, in the order they finished.
        failures: Vec<TaskFailure>,
    },
    /// The annotator's changes to the steps ([`Annotator::steps`](super::Annotator::steps)) were
    /// refused (an unknown or repeated step name).
    #[error("the annotator's changes to the steps were refused: {source:#}")]
    StepChanges {
        /// Why.
        #[source]
        source: crate::Error,
    },
    /// A step failed for another reason (a step an author added, a panic, cancellation).
    #[error("step `{step}` {kind}: {source:#}")]
    Step {
        /// The step.
        step: String,
        /// How it failed.
        kind: FailureKind,
        /// Its error.
        #[source]
        source: crate::Error,
    },
}

impl ToTaskError {
    /// A backend failure while doing `what`.
    pub(super) fn backend(what: impl Into<String>, source: BackendError) -> Self {
        ToTaskError::Backend { what: what.into(), source: Box::new(source) }
    }
}

/// For a name that is a number: how to give a plugin release instead.
fn release_hint(name: &str) -> String {
    if name.trim().parse::<u64>().is_ok() {
        format!("; a plugin release is given as a number, not a string: `\"pre_processor\": {}`", name.trim())
    } else {
        String::new()
    }
}

/// `; did you mean `x`?` for the action nearest `name`, else nothing.
fn nearest_action(name: &str, available: &[String]) -> String {
    synapse_macros_core::errors::closest(name, available.iter().map(String::as_str))
        .map(|fix| format!("; did you mean `{fix}`?"))
        .unwrap_or_default()
}
