//! The Jobs REST API's data: what is submitted and what Ray reports back.

use crate::executor::Resources;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A job to submit: `POST /api/jobs/`.
///
/// It serializes to exactly the fields Ray accepts, leaving out every field that is not set
/// (Ray answers 400 to unknown fields and to `null` where it expects a number).
///
/// ```
/// use synapse::executor::ray::JobSubmission;
///
/// let job = JobSubmission::new("exec ./bin/quickstart run process --params @params.json")
///     .with_submission_id("quickstart.process.0ca5eac4")
///     .with_working_dir("gcs://_ray_pkg_0123456789abcdef.zip")
///     .with_env("RUST_LOG", "info")
///     .with_metadata("plugin", "quickstart")
///     .with_num_cpus(1.0);
/// assert_eq!(
///     serde_json::to_value(&job).unwrap(),
///     serde_json::json!({
///         "entrypoint": "exec ./bin/quickstart run process --params @params.json",
///         "submission_id": "quickstart.process.0ca5eac4",
///         "runtime_env": {"working_dir": "gcs://_ray_pkg_0123456789abcdef.zip", "env_vars": {"RUST_LOG": "info"}},
///         "metadata": {"plugin": "quickstart"},
///         "entrypoint_num_cpus": 1.0
///     })
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct JobSubmission {
    /// The shell command the job runs (`/bin/sh -c`), in the unpacked `working_dir`. Start it
    /// with `exec` so that stopping the job signals the plugin itself.
    pub entrypoint: String,
    /// The job's id; Ray generates one (`raysubmit_…`) when it is not set. Limited to
    /// `[A-Za-z0-9._:-]`; see [`submission_id`](super::submission_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission_id: Option<String>,
    /// The files and environment the job runs with.
    #[serde(default, skip_serializing_if = "RuntimeEnv::is_empty")]
    pub runtime_env: RuntimeEnv,
    /// Free-form labels, kept with the job record.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
    /// CPUs reserved for the entrypoint (logical; Ray does not pin or limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint_num_cpus: Option<f64>,
    /// GPUs reserved for the entrypoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint_num_gpus: Option<f64>,
    /// Memory reserved for the entrypoint, in bytes (logical).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint_memory: Option<u64>,
    /// Custom resources reserved for the entrypoint, e.g. `{"plugin_slot": 1}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub entrypoint_resources: BTreeMap<String, f64>,
}

/// A job's runtime environment: the package it runs in and its environment variables.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuntimeEnv {
    /// The package unpacked as the job's working directory, e.g. `gcs://_ray_pkg_….zip`
    /// (see [`PluginPackage::uri`](super::super::package::PluginPackage::uri)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<String>,
    /// Environment variables for the entrypoint.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env_vars: BTreeMap<String, String>,
}

impl RuntimeEnv {
    /// Whether nothing is set (then it is left out of the submission).
    pub fn is_empty(&self) -> bool {
        self.working_dir.is_none() && self.env_vars.is_empty()
    }
}

impl JobSubmission {
    /// A job running `entrypoint`, with nothing else set.
    pub fn new(entrypoint: impl Into<String>) -> Self {
        JobSubmission { entrypoint: entrypoint.into(), ..JobSubmission::default() }
    }

    /// Sets the submission id.
    pub fn with_submission_id(mut self, id: impl Into<String>) -> Self {
        self.submission_id = Some(id.into());
        self
    }

    /// Sets the working directory package (`gcs://…`, `local://…`, `https://…`).
    pub fn with_working_dir(mut self, uri: impl Into<String>) -> Self {
        self.runtime_env.working_dir = Some(uri.into());
        self
    }

    /// Adds an environment variable.
    pub fn with_env(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.runtime_env.env_vars.insert(name.into(), value.into());
        self
    }

    /// Adds a metadata entry.
    pub fn with_metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// Reserves CPUs for the entrypoint.
    pub fn with_num_cpus(mut self, cpus: f64) -> Self {
        self.entrypoint_num_cpus = Some(cpus);
        self
    }

    /// Reserves GPUs for the entrypoint.
    pub fn with_num_gpus(mut self, gpus: f64) -> Self {
        self.entrypoint_num_gpus = Some(gpus);
        self
    }

    /// Reserves memory (bytes) for the entrypoint.
    pub fn with_memory(mut self, bytes: u64) -> Self {
        self.entrypoint_memory = Some(bytes);
        self
    }

    /// Reserves an amount of a custom resource for the entrypoint.
    pub fn with_resource(mut self, name: impl Into<String>, amount: f64) -> Self {
        self.entrypoint_resources.insert(name.into(), amount);
        self
    }

    /// Reserves everything `resources` asks for (what is unset stays unset).
    pub fn with_resources(mut self, resources: &Resources) -> Self {
        if let Some(cpus) = resources.num_cpus {
            self = self.with_num_cpus(cpus);
        }
        if let Some(gpus) = resources.num_gpus {
            self = self.with_num_gpus(gpus);
        }
        if let Some(memory) = resources.memory {
            self = self.with_memory(memory);
        }
        for (name, amount) in &resources.custom {
            self = self.with_resource(name.clone(), *amount);
        }
        self
    }

    /// Every resource the job asks for, by Ray's resource name (`CPU`, `GPU`, `memory`, then
    /// custom resources), leaving out zero amounts.
    pub fn requested_resources(&self) -> Vec<(String, f64)> {
        let mut requested = Vec::new();
        let builtin = [
            ("CPU", self.entrypoint_num_cpus),
            ("GPU", self.entrypoint_num_gpus),
            ("memory", self.entrypoint_memory.map(|m| m as f64)),
        ];
        for (name, value) in builtin {
            if let Some(value) = value.filter(|v| *v != 0.0) {
                requested.push((name.to_owned(), value));
            }
        }
        requested.extend(self.entrypoint_resources.iter().filter(|(_, v)| **v != 0.0).map(|(k, v)| (k.clone(), *v)));
        requested
    }
}

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
    #[serde(default, deserialize_with = "lenient_millis")]
    pub start_time: Option<u64>,
    /// When it ended, in milliseconds since the Unix epoch.
    #[serde(default, deserialize_with = "lenient_millis")]
    pub end_time: Option<u64>,
    /// The metadata it was submitted with.
    #[serde(default, deserialize_with = "lenient_metadata")]
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

fn lenient_millis<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Some(Value::Null) | None => None,
        Some(other) => return Err(de::Error::custom(format!("expected milliseconds, got {other}"))),
    })
}

/// Metadata values should be strings; anything else is kept as its JSON text rather than
/// failing the whole answer (a job list holds records written by other clients).
fn lenient_metadata<'de, D: Deserializer<'de>>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error> {
    let map = Option::<BTreeMap<String, Value>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(map
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => (key, s),
            other => (key, other.to_string()),
        })
        .collect())
}

/// A node of the cluster: `GET /api/v0/nodes`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NodeInfo {
    /// Ray's node id (hex).
    pub node_id: String,
    /// The node's IP address.
    #[serde(default)]
    pub node_ip: Option<String>,
    /// The node's name.
    #[serde(default)]
    pub node_name: Option<String>,
    /// Whether it is the head node.
    #[serde(default)]
    pub is_head_node: bool,
    /// `ALIVE` or `DEAD`.
    pub state: String,
    /// The node's total logical resources: `CPU`, `GPU`, `memory` (bytes),
    /// `object_store_memory`, and custom resources.
    #[serde(default)]
    pub resources_total: BTreeMap<String, f64>,
    /// The node's labels.
    #[serde(default, deserialize_with = "lenient_metadata")]
    pub labels: BTreeMap<String, String>,
}

impl NodeInfo {
    /// Whether the node is up.
    pub fn is_alive(&self) -> bool {
        self.state == "ALIVE"
    }

    /// The node's total amount of a resource (0 when it has none).
    pub fn resource(&self, name: &str) -> f64 {
        self.resources_total.get(name).copied().unwrap_or(0.0)
    }
}

/// The dashboard's version: `GET /api/version`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RayVersion {
    /// The Jobs API version (`"4"` for Ray 2.x).
    pub version: String,
    /// The Ray release, e.g. `2.60.0`.
    pub ray_version: String,
    /// The Ray commit.
    #[serde(default)]
    pub ray_commit: Option<String>,
    /// The cluster session's name (changes when the head restarts).
    #[serde(default)]
    pub session_name: Option<String>,
}

/// New log text and where to continue from: what
/// [`RayJobsClient::logs_since`](super::RayJobsClient::logs_since) returns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogChunk {
    /// The text after the offset asked for (empty when nothing is new).
    pub text: String,
    /// The offset to ask for next time (a byte offset into the whole log).
    pub next_offset: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_bare_submission_has_only_its_entrypoint() {
        assert_eq!(serde_json::to_value(JobSubmission::new("true")).unwrap(), json!({"entrypoint": "true"}));
    }

    #[test]
    fn every_field_has_rays_name_and_no_nulls() {
        let job = JobSubmission::new("echo hi")
            .with_submission_id("t1")
            .with_working_dir("gcs://_ray_pkg_x.zip")
            .with_env("MY_VAR", "42")
            .with_metadata("owner", "rust")
            .with_num_cpus(1.0)
            .with_num_gpus(0.5)
            .with_memory(104_857_600)
            .with_resource("plugin_slot", 1.0);
        let text = serde_json::to_string(&job).unwrap();
        assert!(!text.contains("null"), "{text}");
        assert_eq!(
            serde_json::to_value(&job).unwrap(),
            json!({
                "entrypoint": "echo hi",
                "submission_id": "t1",
                "runtime_env": {"working_dir": "gcs://_ray_pkg_x.zip", "env_vars": {"MY_VAR": "42"}},
                "metadata": {"owner": "rust"},
                "entrypoint_num_cpus": 1.0,
                "entrypoint_num_gpus": 0.5,
                "entrypoint_memory": 104857600,
                "entrypoint_resources": {"plugin_slot": 1.0}
            })
        );
        // `entrypoint_memory` must be an integer for Ray.
        assert!(text.contains("\"entrypoint_memory\":104857600"), "{text}");
        let env_only = JobSubmission::new("x").with_env("A", "1");
        assert_eq!(serde_json::to_value(&env_only).unwrap()["runtime_env"], json!({"env_vars": {"A": "1"}}));
    }

    #[test]
    fn requested_resources_use_rays_names() {
        let job =
            JobSubmission::new("x").with_num_cpus(0.0).with_num_gpus(2.0).with_memory(10).with_resource("slot", 1.0);
        assert_eq!(
            job.requested_resources(),
            vec![("GPU".to_owned(), 2.0), ("memory".to_owned(), 10.0), ("slot".to_owned(), 1.0)]
        );
    }

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
