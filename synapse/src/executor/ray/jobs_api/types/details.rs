//! What Ray reports about a job ([`JobDetails`]): `GET /api/jobs/{submission_id}`, and each
//! entry of the job list.

use super::JobStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What Ray reports about a job: `GET /api/jobs/{submission_id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobDetails {
    /// `SUBMISSION` for jobs submitted over the Jobs API, `DRIVER` for Python drivers that
    /// connected directly.
    #[serde(rename = "type", default)]
    pub job_type: Option<String>,
    /// The submission id (absent for `DRIVER` entries).
    #[serde(default)]
    pub submission_id: Option<String>,
    /// Ray's internal job id; set only when the entrypoint itself connects to Ray.
    #[serde(default)]
    pub job_id: Option<String>,
    /// The status.
    pub status: JobStatus,
    /// The entrypoint command.
    #[serde(default)]
    pub entrypoint: Option<String>,
    /// Ray's explanation of the status; for failures, the detail (for a failed entrypoint it
    /// ends with the last logs).
    #[serde(default)]
    pub message: Option<String>,
    /// Why it failed, e.g. `JOB_ENTRYPOINT_COMMAND_ERROR` or `RUNTIME_ENV_SETUP_FAILURE`.
    #[serde(default)]
    pub error_type: Option<String>,
    /// When it was submitted, in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "super::lenient_millis")]
    pub start_time: Option<u64>,
    /// When it ended, in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "super::lenient_millis")]
    pub end_time: Option<u64>,
    /// The metadata it was submitted with.
    #[serde(default, deserialize_with = "super::lenient_metadata")]
    pub metadata: BTreeMap<String, String>,
    /// The runtime environment as Ray recorded it.
    #[serde(default)]
    pub runtime_env: Option<Value>,
    /// The address of the agent on the driver's node.
    #[serde(default)]
    pub driver_agent_http_address: Option<String>,
    /// The node the entrypoint runs on (set once it was scheduled).
    #[serde(default)]
    pub driver_node_id: Option<String>,
    /// The entrypoint's exit code, once it exited.
    #[serde(default)]
    pub driver_exit_code: Option<i32>,
}

impl JobDetails {
    /// When the job was submitted.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.start_time.map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// When the job ended.
    pub fn ended_at(&self) -> Option<SystemTime> {
        self.end_time.map(|ms| UNIX_EPOCH + Duration::from_millis(ms))
    }

    /// How long the job took from submission to its end, on Ray's clock.
    pub fn duration(&self) -> Option<Duration> {
        Some(Duration::from_millis(self.end_time?.checked_sub(self.start_time?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn job_details_parse_what_ray_sends() {
        let failed = json!({"type": "SUBMISSION", "job_id": null, "submission_id": "probe-3", "driver_info": null,
            "status": "FAILED", "entrypoint": "exit 3",
            "message": "Job entrypoint command failed with exit code 3, last available logs (truncated to 20,000 chars):\nout\n",
            "error_type": "JOB_ENTRYPOINT_COMMAND_ERROR", "start_time": 1795570655393u64, "end_time": 1795570656468u64,
            "metadata": {"a": "b"}, "runtime_env": null, "driver_agent_http_address": "http://127.0.0.1:52365",
            "driver_node_id": "32bec2fe", "driver_exit_code": 3});
        let details: JobDetails = serde_json::from_value(failed).unwrap();
        assert_eq!(details.status, JobStatus::Failed);
        assert_eq!(details.driver_exit_code, Some(3));
        assert_eq!(details.error_type.as_deref(), Some("JOB_ENTRYPOINT_COMMAND_ERROR"));
        assert_eq!(details.metadata["a"], "b");
        assert_eq!(details.duration(), Some(Duration::from_millis(1075)));

        let pending = json!({"type": "SUBMISSION", "submission_id": "p", "status": "PENDING", "entrypoint": "true",
            "message": "Job has not started yet.", "start_time": 1, "end_time": null, "metadata": null,
            "driver_node_id": null, "driver_exit_code": null});
        let details: JobDetails = serde_json::from_value(pending).unwrap();
        assert_eq!(details.status, JobStatus::Pending);
        assert!(details.metadata.is_empty());
        assert_eq!(details.end_time, None);
        assert_eq!(details.duration(), None);

        let driver = json!({"type": "DRIVER", "job_id": "01000000", "status": "SUCCEEDED", "metadata": {"n": 1}});
        let details: JobDetails = serde_json::from_value(driver).unwrap();
        assert_eq!(details.metadata["n"], "1");
    }
}
