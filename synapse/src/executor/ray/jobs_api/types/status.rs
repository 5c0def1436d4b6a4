//! A job's status ([`JobStatus`]), as Ray spells it.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A job's status. `Stopped`, `Succeeded` and `Failed` are terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Submitted; waiting for resources or for its runtime environment.
    Pending,
    /// The entrypoint is running.
    Running,
    /// Stopped on request.
    Stopped,
    /// The entrypoint exited with 0.
    Succeeded,
    /// The entrypoint exited with another code, or the job could not start.
    Failed,
}

impl JobStatus {
    /// Whether the job is over: `Stopped`, `Succeeded` or `Failed`.
    ///
    /// ```
    /// use synapse::executor::ray::JobStatus;
    /// assert!(JobStatus::Failed.is_terminal());
    /// assert!(!JobStatus::Pending.is_terminal());
    /// ```
    pub const fn is_terminal(self) -> bool {
        matches!(self, JobStatus::Stopped | JobStatus::Succeeded | JobStatus::Failed)
    }

    /// Ray's name for it: `PENDING`, `RUNNING`, `STOPPED`, `SUCCEEDED`, `FAILED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            JobStatus::Pending => "PENDING",
            JobStatus::Running => "RUNNING",
            JobStatus::Stopped => "STOPPED",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }
}

impl FromStr for JobStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "PENDING" => Ok(JobStatus::Pending),
            "RUNNING" => Ok(JobStatus::Running),
            "STOPPED" => Ok(JobStatus::Stopped),
            "SUCCEEDED" => Ok(JobStatus::Succeeded),
            "FAILED" => Ok(JobStatus::Failed),
            other => Err(format!("unknown Ray job status `{other}`")),
        }
    }
}

/// Displays a job status the way Ray spells it.
impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_round_trip() {
        for status in
            [JobStatus::Pending, JobStatus::Running, JobStatus::Stopped, JobStatus::Succeeded, JobStatus::Failed]
        {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
            assert_eq!(serde_json::to_value(status).unwrap(), json!(status.as_str()));
            assert_eq!(status.to_string(), status.as_str());
        }
        assert!("DONE".parse::<JobStatus>().is_err());
    }
}
