//! The event model and its JSON-lines form.

use super::report::ErrorReport;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

/// The version of the JSON-lines event format. Bumped on any incompatible change; readers
/// reject lines of a version they do not know.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// Metric values by name, as sent with [`Context::set_metrics`](crate::Context::set_metrics).
/// Build one with [`metrics!`](crate::metrics).
pub type Metrics = serde_json::Map<String, Value>;

/// Identifies one run of one action; cheap to clone.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RunId(Arc<str>);

impl RunId {
    /// A fresh random id (32 lowercase hex digits).
    pub fn random() -> Self {
        RunId(Arc::from(uuid::Uuid::new_v4().simple().to_string()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of the run of a pipeline's action `index` (from 0) in this pipeline run:
    /// `<pipeline run>-<index + 1>`.
    ///
    /// ```
    /// use synapse::events::RunId;
    /// let pipeline = RunId::from("7f3a");
    /// let action = pipeline.action_run(1);
    /// assert_eq!(action.as_str(), "7f3a-2");
    /// assert_eq!(action.action_index_in(&pipeline), Some(1));
    /// assert_eq!(pipeline.action_index_in(&pipeline), None);
    /// assert_eq!(RunId::from("7f3a-x").action_index_in(&pipeline), None);
    /// ```
    pub fn action_run(&self, index: usize) -> RunId {
        RunId::from(format!("{self}-{}", index + 1))
    }

    /// If this is the run of an action of the pipeline run `pipeline`
    /// ([`action_run`](Self::action_run)), that action's index.
    pub fn action_index_in(&self, pipeline: &RunId) -> Option<usize> {
        let position = self.0.strip_prefix(pipeline.as_str())?.strip_prefix('-')?;
        if position.is_empty() || !position.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        position.parse::<usize>().ok()?.checked_sub(1)
    }
}

impl From<&str> for RunId {
    fn from(id: &str) -> Self {
        RunId(Arc::from(id))
    }
}

impl From<String> for RunId {
    fn from(id: String) -> Self {
        RunId(Arc::from(id))
    }
}

impl fmt::Display for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for RunId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RunId({})", self.0)
    }
}

impl Serialize for RunId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RunId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(RunId::from)
    }
}

impl JsonSchema for RunId {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RunId".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        String::json_schema(generator)
    }
}

/// Message severity, as the platform knows it (`success` and `danger` included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Developer detail.
    Debug,
    /// Normal information.
    Info,
    /// Something went well (shown as info to tracing).
    Success,
    /// Something to look at.
    Warning,
    /// Something went badly (shown as error to tracing).
    Danger,
    /// An error.
    Error,
    /// A critical error.
    Critical,
}

impl LogLevel {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Success => "success",
            LogLevel::Warning => "warning",
            LogLevel::Danger => "danger",
            LogLevel::Error => "error",
            LogLevel::Critical => "critical",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing an action (or the runtime on its behalf) said.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    /// Format version: [`EVENT_SCHEMA_VERSION`].
    #[serde(rename = "v")]
    pub version: u32,
    /// The run this event belongs to.
    pub run: RunId,
    /// Position in the run's stream: 0, 1, 2, … with no gaps.
    pub seq: u64,
    /// When it happened (RFC 3339, UTC, microseconds).
    #[serde(with = "super::rfc3339")]
    #[schemars(with = "String")]
    pub ts: SystemTime,
    /// The workflow step that was running, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
}

/// What an event says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The run began.
    Started {
        /// The action.
        action: String,
        /// The plugin code.
        plugin: String,
        /// The job id, when the run belongs to a job.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        job_id: Option<String>,
    },
    /// A developer log line ([`Context::logger`](crate::Context::logger)), or a record logged
    /// with `tracing` or `log` during the run ([`LogCapture`](crate::events::LogCapture)).
    LogLine {
        /// Severity.
        level: LogLevel,
        /// The text.
        message: String,
        /// Where a captured record came from (its `tracing`/`log` target, usually the module
        /// path: `my_plugin::train`); absent for the logger's own lines.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<String>,
        /// The fields of a captured `tracing` record besides its message
        /// (`tracing::info!(epoch = 1, loss = 0.25, "training")` gives `{"epoch": 1, "loss": 0.25}`).
        #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
        fields: serde_json::Map<String, Value>,
    },
    /// A structured event ([`Context::log`](crate::Context::log)).
    Log {
        /// Severity.
        level: LogLevel,
        /// The event name.
        event: String,
        /// Its data.
        data: Value,
        /// A file that goes with it, as a `data:<mime>;base64,<content>` URI (the image of
        /// [`Context::log_visualization`](crate::Context::log_visualization)).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file: Option<String>,
    },
    /// A message for the user ([`Context::log_message`](crate::Context::log_message)).
    Message {
        /// Severity.
        level: LogLevel,
        /// The text.
        text: String,
        /// The message code's key, for a [`MessageCode`](super::MessageCode)'s message
        /// ([`Context::log_message_code`](crate::Context::log_message_code)): the platform
        /// can render the code again in another language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
    },
    /// Progress of one category (coalesced: see [`Context::set_progress`](crate::Context::set_progress)).
    Progress {
        /// The category; `null` for the action's main progress.
        category: Option<String>,
        /// Items done (never more than `total`).
        current: u64,
        /// Items in all; 0 when unknown.
        total: u64,
    },
    /// Metric values of one category ([`Context::set_metrics`](crate::Context::set_metrics)).
    Metrics {
        /// The category (`train`, `validation`, …).
        category: String,
        /// Values by name.
        values: Metrics,
    },
    /// A developer event, not shown to end users ([`Context::log_dev_event`](crate::Context::log_dev_event)).
    DevEvent {
        /// What happened.
        message: String,
        /// Its data.
        data: Value,
    },
    /// A workflow begins: its steps and their shares of the overall progress.
    WorkflowStarted {
        /// The steps, in order.
        steps: Vec<PlannedStep>,
        /// The sum of the declared weights, when it was not 1 and the shares were normalized.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        normalized_from: Option<f64>,
    },
    /// A step begins (the step is in the event's `step` field).
    StepStarted {
        /// Its position in the workflow, from 0.
        index: usize,
        /// Its share of the overall progress.
        weight: f64,
    },
    /// A step finished.
    StepCompleted {
        /// How long it took, in milliseconds (all attempts).
        elapsed_ms: f64,
        /// How many attempts it took.
        attempts: u32,
        /// What the step reported as its output, if anything.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
    },
    /// A step was skipped (its `can_skip` said so); it will not be rolled back.
    StepSkipped {},
    /// An attempt of a step failed.
    StepFailed {
        /// Which attempt, from 1.
        attempt: u32,
        /// Whether another attempt follows.
        will_retry: bool,
        /// What went wrong.
        error: String,
    },
    /// A step's rollback begins.
    RollbackStarted {},
    /// A step's rollback finished.
    RollbackCompleted {
        /// How long it took, in milliseconds.
        elapsed_ms: f64,
    },
    /// A step's rollback failed; the remaining rollbacks still run.
    RollbackFailed {
        /// What went wrong.
        error: String,
    },
    /// A pipeline run begins (or resumes): its actions in order.
    PipelineStarted {
        /// The pipeline.
        pipeline: String,
        /// Its actions, in order.
        actions: Vec<String>,
        /// Whether this continues an earlier, interrupted run.
        resumed: bool,
    },
    /// An action of a pipeline run begins; its own events carry `action_run` as their run.
    PipelineActionStarted {
        /// Its position in the pipeline, from 0.
        index: usize,
        /// The action.
        action: String,
        /// The run id of the action's own events.
        action_run: RunId,
    },
    /// An action of a pipeline run finished, and its checkpoint is committed.
    PipelineActionCompleted {
        /// Its position, from 0.
        index: usize,
        /// The action.
        action: String,
        /// How long it took, in milliseconds.
        elapsed_ms: f64,
    },
    /// An action of a resumed pipeline run is skipped: it completed in an earlier attempt.
    PipelineActionSkipped {
        /// Its position, from 0.
        index: usize,
        /// The action.
        action: String,
    },
    /// An action of a pipeline run failed; the run stops there and can be resumed.
    PipelineActionFailed {
        /// Its position, from 0.
        index: usize,
        /// The action.
        action: String,
        /// What went wrong.
        error: String,
    },
    /// The run succeeded with this result (always the last event of a successful run).
    Result {
        /// The result.
        value: Value,
    },
    /// The run failed (always the last event of a failed run).
    Error {
        /// What went wrong.
        error: ErrorReport,
    },
}

impl EventKind {
    /// A developer log line at `level` (no target, no fields: the logger's and the runtime's own).
    pub fn log_line(level: LogLevel, message: impl Into<String>) -> Self {
        EventKind::LogLine { level, message: message.into(), target: None, fields: serde_json::Map::new() }
    }

    /// The `type` tag of this kind on the wire.
    pub fn tag(&self) -> &'static str {
        match self {
            EventKind::Started { .. } => "started",
            EventKind::LogLine { .. } => "log_line",
            EventKind::Log { .. } => "log",
            EventKind::Message { .. } => "message",
            EventKind::Progress { .. } => "progress",
            EventKind::Metrics { .. } => "metrics",
            EventKind::DevEvent { .. } => "dev_event",
            EventKind::WorkflowStarted { .. } => "workflow_started",
            EventKind::StepStarted { .. } => "step_started",
            EventKind::StepCompleted { .. } => "step_completed",
            EventKind::StepSkipped {} => "step_skipped",
            EventKind::StepFailed { .. } => "step_failed",
            EventKind::RollbackStarted {} => "rollback_started",
            EventKind::RollbackCompleted { .. } => "rollback_completed",
            EventKind::RollbackFailed { .. } => "rollback_failed",
            EventKind::PipelineStarted { .. } => "pipeline_started",
            EventKind::PipelineActionStarted { .. } => "pipeline_action_started",
            EventKind::PipelineActionCompleted { .. } => "pipeline_action_completed",
            EventKind::PipelineActionSkipped { .. } => "pipeline_action_skipped",
            EventKind::PipelineActionFailed { .. } => "pipeline_action_failed",
            EventKind::Result { .. } => "result",
            EventKind::Error { .. } => "error",
        }
    }

    /// True for the events that end a run.
    pub fn is_terminal(&self) -> bool {
        matches!(self, EventKind::Result { .. } | EventKind::Error { .. })
    }
}

/// One step of a workflow's plan, as announced by [`EventKind::WorkflowStarted`] and listed in
/// `config.yaml`: the published view of a [`PlanEntry`](crate::steps::PlanEntry) (the plan
/// itself, which the orchestrator runs, lives in [`steps`](crate::steps)).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlannedStep {
    /// The step name.
    pub name: String,
    /// Its share of the overall progress (the shares sum to 1).
    pub weight: f64,
}
