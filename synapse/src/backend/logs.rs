//! Log entries (API v1): `POST logs/` with one entry, or a list of them — what a run's log
//! lines, messages and events become on the platform.

use super::{BackendClient, BackendError, JobId};
use crate::events::LogLevel;
use serde::Serialize;
use serde_json::Value;
use std::time::SystemTime;

/// One entry of a job's log, as the Python SDK's job logger posts it:
/// `{event, data, datetime, job, file?, step?, level?}`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct LogEntry {
    /// What happened (`message`, `metric`, an action's own event name).
    pub event: String,
    /// Its data (`{"content": …}` for a message).
    pub data: Value,
    /// When, in UTC (RFC 3339 on the wire).
    #[serde(with = "crate::events::rfc3339")]
    pub datetime: SystemTime,
    /// The job it belongs to.
    pub job: JobId,
    /// A file that goes with it, as a `data:` URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The step it happened in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// Its level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<LogLevel>,
}

impl BackendClient {
    /// `POST logs/` with `entries`: one object for one entry, a list for more (as the SDK
    /// sends them). Nothing is sent for none. Not idempotent: a lost response is
    /// [`BackendError::ResponseLost`], never sent again (the entries may be stored).
    ///
    /// # Errors
    /// As [`BackendError`].
    pub async fn create_logs(&self, entries: &[LogEntry]) -> Result<(), BackendError> {
        match entries {
            [] => Ok(()),
            [one] => self.post::<_, Value>("logs/", one).await.map(drop),
            many => self.post::<_, Value>("logs/", many).await.map(drop),
        }
    }
}
