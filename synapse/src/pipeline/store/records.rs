//! What goes into the run store and what comes out of it: runs, their actions, checkpoints,
//! summaries, and the two status enums.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::time::SystemTime;

/// The state of a pipeline run. Serialized in lowercase (`"running"`), as it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Created, no action started yet.
    Pending,
    /// An action has been started (and the run has not ended since).
    Running,
    /// Every action completed or was skipped.
    Completed,
    /// An action failed; the run can be resumed.
    Failed,
    /// Stopped on request; the run can be resumed.
    Cancelled,
}

impl RunStatus {
    /// Every status, in declaration order.
    pub const ALL: [RunStatus; 5] = [Self::Pending, Self::Running, Self::Completed, Self::Failed, Self::Cancelled];

    /// The lowercase name, as stored and serialized: `"pending"`, `"running"`, ….
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether the run has ended: completed, failed or cancelled (setting one of these stamps the
    /// run's `finished_at`).
    ///
    /// ```
    /// use synapse::pipeline::store::RunStatus;
    /// assert!(RunStatus::Failed.is_terminal());
    /// assert!(!RunStatus::Running.is_terminal());
    /// ```
    pub const fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The status named `name` (as [`as_str`](Self::as_str) writes it).
    pub(super) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of one action of a run. Serialized in lowercase (`"completed"`), as it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionStatus {
    /// Not started yet.
    Pending,
    /// Started and neither checkpointed nor failed since (if the run is not running any more,
    /// the process running it died).
    Running,
    /// Checkpointed: its result is stored and a resumed run does not run it again.
    Completed,
    /// Failed; a resumed run runs it again.
    Failed,
    /// The pipeline decided not to run it; a resumed run does not run it either.
    Skipped,
}

impl ActionStatus {
    /// Every status, in declaration order.
    pub const ALL: [ActionStatus; 5] = [Self::Pending, Self::Running, Self::Completed, Self::Failed, Self::Skipped];

    /// The lowercase name, as stored and serialized: `"pending"`, `"running"`, ….
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Running => "running",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    /// Whether a resumed run leaves the action alone: completed or skipped.
    pub const fn is_done(self) -> bool {
        matches!(self, Self::Completed | Self::Skipped)
    }

    /// The status named `name` (as [`as_str`](Self::as_str) writes it).
    pub(super) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == name)
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A run to record with [`RunStore::create_run`](super::RunStore::create_run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRun {
    /// The run's unique id.
    pub run_id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// A hash of the pipeline's definition, to tell on resume whether the pipeline changed.
    pub fingerprint: String,
    /// The actions' names, in the order they run; action `i` of the run is `actions[i]`.
    pub actions: Vec<String>,
    /// The params the run starts with.
    pub params: Value,
}

/// What a completed action leaves behind: written by [`RunStore::checkpoint`](super::RunStore::checkpoint),
/// read back by [`RunStore::latest_checkpoint`](super::RunStore::latest_checkpoint) to resume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The run.
    pub run_id: String,
    /// The action's position in the run (from 0).
    pub action_index: usize,
    /// The action's name; must be the name the run was created with at `action_index`.
    pub action_name: String,
    /// The params accumulated so far: the run's params with the results of every action up to
    /// and including this one merged in. A resumed run continues from these.
    pub params_snapshot: Value,
    /// The action's result.
    pub result: Value,
    /// When the action completed (stored to the microsecond).
    #[serde(with = "crate::events::rfc3339")]
    pub created_at: SystemTime,
}

/// A run as stored: [`RunStore::run`](super::RunStore::run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's unique id.
    pub run_id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The pipeline's fingerprint when the run was created.
    pub fingerprint: String,
    /// The run's state.
    pub status: RunStatus,
    /// The params the run started with (the accumulated ones are in its latest checkpoint).
    pub params: Value,
    /// Why the run failed or was cancelled, if it says.
    pub error: Option<String>,
    /// When the run was created.
    #[serde(with = "crate::events::rfc3339")]
    pub created_at: SystemTime,
    /// When the run or one of its actions last changed.
    #[serde(with = "crate::events::rfc3339")]
    pub updated_at: SystemTime,
    /// When the run reached a terminal status, if it is in one.
    #[serde(with = "crate::events::rfc3339::option")]
    pub finished_at: Option<SystemTime>,
    /// The process driving the run, if one claims it (see
    /// [`RunStore::claim_run`](super::RunStore::claim_run)); a run whose process was killed keeps
    /// the dead process's claim until another takes it over.
    pub claim: Option<RunClaim>,
    /// The run's actions, in order.
    pub actions: Vec<ActionRecord>,
}

/// Who drives a run, and since when they last said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunClaim {
    /// The holder: `host:pid`.
    pub owner: String,
    /// When the holder last renewed its claim.
    #[serde(with = "crate::events::rfc3339")]
    pub heartbeat_at: SystemTime,
}

impl RunRecord {
    /// The index of the first action that is neither completed nor skipped: where a resumed run
    /// starts. `None` when every action is done.
    ///
    /// ```
    /// use synapse::pipeline::store::{NewRun, RunStore};
    ///
    /// let store = RunStore::in_memory()?;
    /// let actions = vec!["download".to_owned(), "train".to_owned()];
    /// store.create_run(&NewRun {
    ///     run_id: "r1".into(), pipeline: "p".into(), fingerprint: "f".into(), actions, params: serde_json::json!({}),
    /// })?;
    /// store.skip_action("r1", 0)?;
    /// assert_eq!(store.run("r1")?.unwrap().next_action(), Some(1));
    /// # Ok::<(), synapse::pipeline::store::StoreError>(())
    /// ```
    pub fn next_action(&self) -> Option<usize> {
        self.actions.iter().find(|action| !action.status.is_done()).map(|action| action.index)
    }

    /// The action at `index`, if the run has one.
    pub fn action(&self, index: usize) -> Option<&ActionRecord> {
        self.actions.get(index)
    }
}

/// One action of a run, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionRecord {
    /// Its position in the run (from 0).
    pub index: usize,
    /// Its name.
    pub name: String,
    /// Its state.
    pub status: ActionStatus,
    /// How many times it was started.
    pub attempts: u32,
    /// When it was last started.
    #[serde(with = "crate::events::rfc3339::option")]
    pub started_at: Option<SystemTime>,
    /// When it last completed, failed or was skipped (cleared when it is started again).
    #[serde(with = "crate::events::rfc3339::option")]
    pub finished_at: Option<SystemTime>,
    /// Its result, once it completed.
    pub result: Option<Value>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

/// A line of the run list: [`RunStore::runs`](super::RunStore::runs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's unique id.
    pub run_id: String,
    /// The pipeline's name.
    pub pipeline: String,
    /// The run's state.
    pub status: RunStatus,
    /// When the run was created.
    #[serde(with = "crate::events::rfc3339")]
    pub created_at: SystemTime,
    /// When the run or one of its actions last changed.
    #[serde(with = "crate::events::rfc3339")]
    pub updated_at: SystemTime,
    /// How many of its actions completed.
    pub completed_actions: usize,
    /// How many actions it has.
    pub total_actions: usize,
}
