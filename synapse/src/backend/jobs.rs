//! Jobs (API v1): a backend job as a plugin run reports it — `GET jobs/{id}/`,
//! `PATCH jobs/{id}/` with any subset of its status, progress and metrics records, console logs,
//! result and meta, and `GET jobs/{id}/console_logs/`.

use super::{BackendClient, BackendError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A job's id on the backend: an integer or a UUID string (the SDK takes both), as
/// `SYNAPSE_JOB_ID` gives it. Read from either JSON form; sent as the backend gave it (a number
/// stays a number).
///
/// ```
/// use synapse::backend::JobId;
/// let id: JobId = serde_json::from_str("42").unwrap();
/// assert_eq!(id, JobId::from(42));
/// assert_eq!(serde_json::to_string(&id).unwrap(), "42");
/// let uuid = JobId::from("550e8400-e29b-41d4-a716-446655440000");
/// assert_eq!(serde_json::to_string(&uuid).unwrap(), "\"550e8400-e29b-41d4-a716-446655440000\"");
/// assert_eq!(JobId::from("17"), JobId::from(17), "a number given as text is that number");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum JobId {
    /// An integer id.
    Number(u64),
    /// A string id (a UUID).
    Text(String),
}

impl From<u64> for JobId {
    fn from(id: u64) -> Self {
        JobId::Number(id)
    }
}

impl From<&str> for JobId {
    fn from(id: &str) -> Self {
        let id = id.trim();
        id.parse().map_or_else(|_| JobId::Text(id.to_owned()), JobId::Number)
    }
}

impl From<String> for JobId {
    fn from(id: String) -> Self {
        JobId::from(id.as_str())
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobId::Number(id) => write!(f, "{id}"),
            JobId::Text(id) => f.write_str(id),
        }
    }
}

impl Serialize for JobId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            JobId::Number(id) => serializer.serialize_u64(*id),
            JobId::Text(id) => serializer.serialize_str(id),
        }
    }
}

impl<'de> Deserialize<'de> for JobId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(u64),
            Text(String),
        }
        Ok(match Either::deserialize(deserializer)? {
            Either::Number(id) => JobId::Number(id),
            Either::Text(id) => JobId::from(id),
        })
    }
}

/// A backend job's status, as the backend spells it (uppercase: `synapse_sdk` `JobStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JobStatus {
    /// Waiting to start.
    Pending,
    /// Running.
    Running,
    /// Stopped before it ended (cancelled).
    Stopped,
    /// Ended with its result.
    Succeeded,
    /// Ended with an error.
    Failed,
}

impl JobStatus {
    /// Whether the job has ended.
    pub fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Stopped | JobStatus::Succeeded | JobStatus::Failed)
    }
}

/// A job as `GET jobs/{id}/` returns it (fields the client does not know are ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// Its status.
    pub status: JobStatus,
    /// The last progress record reported (`{"record": {"steps": …}, "current_progress": …}`).
    #[serde(default)]
    pub progress_record: Option<Value>,
    /// The last metrics record reported (`{"record": {"steps": {<step>: {…}}}}`).
    #[serde(default)]
    pub metrics_record: Option<Value>,
    /// The result, once it ended (`{"error": …}` when it failed).
    #[serde(default)]
    pub result: Option<Value>,
    /// Free-form data (an agent writes `meta.queue` while the job waits for capacity).
    #[serde(default)]
    pub meta: Option<Value>,
}

/// A `PATCH jobs/{id}/` body: only the fields set are sent (the backend forbids any other).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct JobUpdate {
    /// The new status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<JobStatus>,
    /// The progress record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress_record: Option<Value>,
    /// The metrics record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_record: Option<Value>,
    /// Console log lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub console_logs: Option<Value>,
    /// The result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Free-form data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
}

impl BackendClient {
    /// `GET jobs/{id}/`.
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 names the job's path.
    pub async fn get_job(&self, id: impl Into<JobId>) -> Result<Job, BackendError> {
        let id = id.into();
        self.get(&format!("jobs/{id}/"), &[]).await
    }

    /// `PATCH jobs/{id}/` with `update`; the job as it is after it.
    ///
    /// # Errors
    /// As [`BackendError`].
    pub async fn update_job(&self, id: impl Into<JobId>, update: &JobUpdate) -> Result<Job, BackendError> {
        let id = id.into();
        self.patch(&format!("jobs/{id}/"), update).await
    }

    /// `GET jobs/{id}/console_logs/`: the job's log entries, as the backend keeps them.
    ///
    /// # Errors
    /// As [`BackendError`].
    pub async fn job_console_logs(&self, id: impl Into<JobId>) -> Result<Value, BackendError> {
        let id = id.into();
        self.get(&format!("jobs/{id}/console_logs/"), &[]).await
    }
}
