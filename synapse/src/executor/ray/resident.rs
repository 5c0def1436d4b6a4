//! Resident jobs: the plugin binary started as a long-running Ray job with a serving subcommand
//! (task mode's `worker`, a model server's `serve`), holding its CPUs/GPUs like an actor, found
//! by the marked line it prints once it listens.

use super::shipment::Shipment;
use super::{RayJobsClient, submission_id};
use crate::events::RunId;
use crate::executor::{RunError, RunOptions};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// How long a starting resident job may take to announce its address.
pub(crate) const START_TIMEOUT: Duration = Duration::from_secs(120);

/// What to start: `args` after the binary, as role `role` (the job's `synapse.role` metadata and
/// submission id), with `env` besides the options' own variables; it announces itself on a line
/// starting with `marker`.
pub(crate) struct Resident<'a> {
    pub(crate) role: &'a str,
    pub(crate) args: Vec<String>,
    pub(crate) env: Vec<(String, String)>,
    pub(crate) metadata: Vec<(String, String)>,
    pub(crate) marker: &'a str,
}

impl Resident<'_> {
    /// Submits the job (uploading the package first when the cluster lacks it) with the
    /// options' environment variables and resources, and waits for its announcement: the job's
    /// submission id and what it announced.
    ///
    /// # Errors
    /// The package's or the dashboard's [`RunError`]; [`RunError::Infrastructure`] when the job
    /// ends before it announces itself (with Ray's message) or does not announce itself within
    /// [`START_TIMEOUT`] (it is then stopped).
    pub(crate) async fn launch<T: DeserializeOwned>(
        &self,
        client: &RayJobsClient,
        shipment: &Shipment,
        options: &RunOptions,
    ) -> Result<(String, T), RunError> {
        let package = shipment.package_for(client).await?;
        package.ensure_uploaded(client).await?;
        let plugin = shipment.plugin_code(options);
        let id = submission_id(&plugin, self.role, RunId::random().as_str());
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut job = package
            .job(&args)
            .with_submission_id(id.clone())
            .with_metadata("synapse.plugin", plugin)
            .with_metadata("synapse.role", self.role)
            .with_env(super::job::STOP_WAIT_VAR, super::job::stop_wait_secs(crate::context::CANCEL_GRACE));
        for (key, value) in self.metadata.iter() {
            job = job.with_metadata(key.clone(), value.clone());
        }
        for (key, value) in options.env_vars.iter().chain(&self.env) {
            job = job.with_env(key.clone(), value.clone());
        }
        job = job.with_resources(&options.resources);
        let id = client.submit(&job).await?;
        let announcement = await_announcement(client, &id, self.marker, self.role).await?;
        Ok((id, announcement))
    }
}

/// Reads job `id`'s log until a line starting with `marker` (after any prefix Ray adds) holds
/// a `T`; `what` names the job in errors (`worker`, `serve replica`).
///
/// # Errors
/// As [`Resident::launch`].
pub(crate) async fn await_announcement<T: DeserializeOwned>(
    client: &RayJobsClient,
    id: &str,
    marker: &str,
    what: &str,
) -> Result<T, RunError> {
    let mut follower = client.follow_logs(id)?.with_poll_interval(Duration::from_millis(50));
    let mut text = String::new();
    let waited = tokio::time::timeout(START_TIMEOUT, async {
        while let Some(chunk) = follower.next().await? {
            text.push_str(&chunk);
            for line in text.lines() {
                if let Some(at) = line.find(marker)
                    && let Ok(announcement) = serde_json::from_str::<T>(&line[at + marker.len()..])
                {
                    return Ok(Some(announcement));
                }
            }
        }
        Ok::<_, RunError>(None)
    })
    .await;
    match waited {
        Ok(Ok(Some(announcement))) => Ok(announcement),
        Ok(Ok(None)) => {
            let details = client.status(id).await?;
            let message = details.message.unwrap_or_default();
            // Ray's message is its summary, then the job's last log lines: the last says why.
            let mut lines = message.lines().map(str::trim).filter(|line| !line.is_empty());
            let first = lines.next().unwrap_or_default();
            let why = match lines.next_back() {
                Some(last) => format!("{first} … {last}"),
                None => first.to_owned(),
            };
            Err(RunError::Infrastructure(format!(
                "the {what} job `{id}` ended ({}) before it served: {why}",
                details.status
            )))
        }
        Ok(Err(error)) => Err(RunError::Infrastructure(format!(
            "lost contact with the Ray dashboard while the {what} job `{id}` was starting: {error}; the job may \
             still be running (`jobs stop {id}` stops it)"
        ))),
        Err(_) => {
            let _ = client.stop(id).await;
            Err(RunError::Infrastructure(format!(
                "the {what} job `{id}` did not start serving within {}s; it was stopped",
                START_TIMEOUT.as_secs()
            )))
        }
    }
}
