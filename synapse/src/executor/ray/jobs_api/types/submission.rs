//! What is submitted: a [`JobSubmission`] (`POST /api/jobs/`) and the [`RuntimeEnv`] it runs
//! with.

use crate::executor::Resources;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// `[A-Za-z0-9._:-]`; see [`submission_id`](super::super::submission_id).
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
    /// (see [`PluginPackage::uri`](super::super::super::package::PluginPackage::uri)).
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
}
