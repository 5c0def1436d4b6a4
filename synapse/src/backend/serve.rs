//! Serve applications (API v1): registering a Ray Serve application for a job
//! (`POST serve_applications/`, the SDK's deployment action) and finding a plugin's on an agent
//! (`GET serve_applications/?plugin_code=&job__agent=`, to_task's readiness check).

use super::{BackendClient, BackendError, JobId};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A `POST serve_applications/` body: the SDK's `ServeApplicationCreateRequest`
/// (`extra='forbid'`), fields unset not sent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewServeApplication {
    /// The job that deployed it.
    pub job: JobId,
    /// Its status as Ray Serve reports it (`RUNNING`, `DEPLOYING`, `DEPLOY_FAILED`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Ray Serve's description of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// A serve application, as the backend shows it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ServeApplication {
    /// Its id.
    pub id: u64,
    /// The job that deployed it.
    #[serde(default)]
    pub job: Option<JobId>,
    /// Its status (`RUNNING` when ready; `DEPLOY_FAILED`, `UNHEALTHY`, `UNAVAILABLE` are final
    /// failures to the SDK's to_task).
    #[serde(default)]
    pub status: Option<String>,
    /// Ray Serve's description of it.
    #[serde(default)]
    pub data: Value,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl BackendClient {
    /// `POST serve_applications/` with `application`. Not idempotent: a lost response is
    /// [`BackendError::ResponseLost`], never sent again.
    ///
    /// # Errors
    /// As [`BackendError`]; a 400 carries the backend's field errors.
    pub async fn create_serve_application(
        &self,
        application: &NewServeApplication,
    ) -> Result<ServeApplication, BackendError> {
        self.post("serve_applications/", application).await
    }

    /// Every serve application of plugin `plugin_code` (deployed on agent `agent`, when given),
    /// page after page: `GET serve_applications/?plugin_code=<code>[&job__agent=<agent>]&page_size=100`.
    ///
    /// # Errors
    /// As [`BackendClient::list`].
    pub fn list_serve_applications(
        &self,
        plugin_code: &str,
        agent: Option<u64>,
    ) -> impl Stream<Item = Result<ServeApplication, BackendError>> + Send + use<> {
        let agent = agent.map(|agent| agent.to_string());
        let mut query = vec![("plugin_code", plugin_code)];
        query.extend(agent.as_deref().map(|agent| ("job__agent", agent)));
        self.list("serve_applications/", &query)
    }
}
