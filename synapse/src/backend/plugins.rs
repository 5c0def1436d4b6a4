//! Plugins (API v1): a plugin release (`GET plugin_releases/{id}/?expand=plugin`), publishing
//! one (`POST plugin_releases/`, multipart) and running a plugin's action on an agent
//! (`POST plugins/{code}/run/`), as the SDK's `clients/backend/integration.py` calls them.

use super::{BackendClient, BackendError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A plugin, as a release shows it expanded.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Plugin {
    /// Its id.
    pub id: u64,
    /// Its code (slug): what `plugins/{code}/run/` and `POST models/` take.
    pub code: String,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A release's `plugin`: an id, a code, or the plugin itself with `?expand=plugin`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum PluginRef {
    /// The plugin's id.
    Id(u64),
    /// The plugin's code.
    Code(String),
    /// The plugin.
    Expanded(Plugin),
}

impl PluginRef {
    /// The plugin's code, when the reference shows it.
    pub fn code(&self) -> Option<&str> {
        match self {
            PluginRef::Id(_) => None,
            PluginRef::Code(code) => Some(code),
            PluginRef::Expanded(plugin) => Some(&plugin.code),
        }
    }
}

/// A plugin release, as `GET plugin_releases/{id}/` returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct PluginRelease {
    /// Its id.
    pub id: u64,
    /// Its version.
    pub version: String,
    /// Its plugin.
    pub plugin: PluginRef,
    /// Its config (the plugin's `config.yaml`: `code`, `actions`, …).
    #[serde(default)]
    pub config: Value,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A `POST plugins/{code}/run/` body: the SDK's `PluginRunRequest` (`extra='forbid'`), fields
/// unset are not sent; `language` is sent always (`ko` by default, as the SDK's model has it).
///
/// ```
/// use synapse::backend::PluginRun;
/// let run = PluginRun { agent: Some(1), params: Some(serde_json::json!({"num_cpus": 8})), ..PluginRun::new("deployment") };
/// assert_eq!(serde_json::to_value(&run).unwrap(),
///            serde_json::json!({"agent": 1, "action": "deployment", "params": {"num_cpus": 8}, "language": "ko"}));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PluginRun {
    /// The agent to run on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<u64>,
    /// The action to run.
    pub action: String,
    /// Its params.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Value>,
    /// The storage to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_id: Option<u64>,
    /// A job to run it as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_id: Option<u64>,
    /// Whether to run it in debug mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub debug: Option<bool>,
    /// The release's version (the latest without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The language of the run's log messages.
    pub language: String,
}

impl PluginRun {
    /// A run of `action`, with nothing else set.
    pub fn new(action: impl Into<String>) -> Self {
        PluginRun {
            agent: None,
            action: action.into(),
            params: None,
            storage_id: None,
            job_id: None,
            debug: None,
            version: None,
            language: "ko".to_owned(),
        }
    }
}

/// A release to publish ([`BackendClient::create_plugin_release`]).
#[derive(Clone, Debug, PartialEq)]
pub struct PluginReleaseCreate {
    /// The plugin's code (slug); the backend creates the plugin at its first release.
    pub plugin: String,
    /// The release's version (`config.yaml`'s `version`).
    pub version: String,
    /// The plugin's `config.yaml`, as JSON.
    pub config: Value,
    /// Whether it is a debug release.
    pub debug: bool,
}

impl BackendClient {
    /// `GET plugin_releases/{id}/?expand=plugin`.
    ///
    /// # Errors
    /// As [`BackendError`]; a missing release is a 404 naming its path.
    pub async fn get_plugin_release(&self, id: u64) -> Result<PluginRelease, BackendError> {
        self.get(&format!("plugin_releases/{id}/"), &[("expand", "plugin")]).await
    }

    /// `POST plugin_releases/` (multipart, as the SDK's `plugin publish` sends it): the fields
    /// `plugin` (the code), `version`, `config` (the plugin's `config.yaml` as JSON) and
    /// `debug`, and the package as the `file` part named `file_name`. Answers the release
    /// created. Not idempotent: a lost response is [`BackendError::ResponseLost`], never sent
    /// again.
    ///
    /// # Errors
    /// As [`BackendError`]; a release the backend refuses (that version exists already, a config
    /// it does not accept) is [`BackendError::Status`] with the server's message.
    pub async fn create_plugin_release(
        &self,
        release: &PluginReleaseCreate,
        file_name: &str,
        package: Vec<u8>,
    ) -> Result<PluginRelease, BackendError> {
        let url = self.url("plugin_releases/", &[])?;
        let config = release.config.to_string();
        self.call_with(reqwest::Method::POST, url, |request| {
            let file = reqwest::multipart::Part::bytes(package.clone()).file_name(file_name.to_owned());
            let form = reqwest::multipart::Form::new()
                .text("plugin", release.plugin.clone())
                .text("version", release.version.clone())
                .text("config", config.clone())
                .text("debug", release.debug.to_string())
                .part("file", file);
            request.multipart(form)
        })
        .await
    }

    /// `POST plugins/{code}/run/` with `run`: what the backend answers, as it is ("job data or
    /// direct result", the SDK says: a job to follow, or an inference's result). Not idempotent:
    /// a lost response is [`BackendError::ResponseLost`], never sent again.
    ///
    /// # Errors
    /// As [`BackendError`].
    pub async fn run_plugin(&self, code: &str, run: &PluginRun) -> Result<Value, BackendError> {
        self.post(&format!("plugins/{code}/run/"), run).await
    }
}
