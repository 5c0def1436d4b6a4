//! Job mode: one Ray job per run, over the Jobs REST API.

use super::shipment::Shipment;
use super::{JobDetails, JobStatus, NodeInfo, PluginPackage, RayJobsClient, submission_id};
use crate::events::{EventSink, RunId};
use crate::executor::remote::RemoteStream;
use crate::executor::{ExecutionMode, Executor, RunError, RunOptions, RunRequest};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// The environment variable a job's params travel in (when they fit).
pub const PARAMS_VAR: &str = "SYNAPSE_PARAMS";

/// Params larger than this travel in a file inside the job's package instead of an environment
/// variable.
pub const MAX_PARAMS_IN_ENV: usize = 64 * 1024;

/// The variable of a job's environment that says how long Ray waits, after it sent SIGTERM to
/// stop the job, before it kills it (Ray's own default: 3 s).
pub const STOP_WAIT_VAR: &str = "RAY_JOB_STOP_WAIT_TIME_S";

/// How long Ray waits for a stopped job before killing it: the cancellation `grace` and a
/// rollback's limit, so that a workflow stopped from outside rolls back to its end. (The
/// plugin exits as soon as it has; a job's own environment may set another wait.)
pub(crate) fn stop_wait_secs(grace: Duration) -> String {
    (grace + crate::steps::ROLLBACK_LIMIT).as_secs().to_string()
}

/// A run submitted as a Ray job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RayJob {
    /// The Ray submission id.
    pub id: String,
    /// The action.
    pub action: String,
    /// The run id its events carry.
    pub run_id: RunId,
}

/// Runs each action as its own Ray job: the plugin binary is shipped in a content-hashed
/// package (uploaded once), started with the action and its params, and its event stream comes
/// back through the job's log (marked lines, put back in order), so the caller sees the same
/// events and the same result or error as a local run.
///
/// Made from a [`RunOptions`]: its Ray address and token, plugin binary, directory and code,
/// environment variables, resources, job id, grace, sinks and cancellation.
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::RunOptions;
/// use synapse::executor::ray::RayJobExecutor;
/// let options = RunOptions::default()
///     .ray_address("http://127.0.0.1:8265")
///     .binary("target/release/quickstart")
///     .plugin_dir("examples/quickstart");
/// let executor = RayJobExecutor::from_options(options)?;
/// let job = executor.submit("process", serde_json::json!({"input_path": "a", "output_path": "b"})).await?;
/// let result = executor.wait(&job, None).await?;
/// # Ok(()) }
/// ```
pub struct RayJobExecutor {
    client: RayJobsClient,
    shipment: Shipment,
    options: RunOptions,
}

impl RayJobExecutor {
    /// An executor for the Ray dashboard at `address`, running the plugin binary `binary`, with
    /// the default settings otherwise.
    pub fn new(address: &str, binary: impl Into<PathBuf>) -> Result<Self, RunError> {
        RayJobExecutor::from_options(RunOptions::default().ray_address(address).binary(binary))
    }

    /// The executor `options` describe.
    ///
    /// # Errors
    /// [`RunError::ModeUnavailable`] without a Ray address, [`RunError::Usage`] without a
    /// plugin binary, [`RunError::Usage`] for an address that is not one.
    pub fn from_options(options: RunOptions) -> Result<Self, RunError> {
        let (client, shipment) = Shipment::with_client(&options, ExecutionMode::Job)?;
        Ok(RayJobExecutor { client, shipment, options })
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The Jobs API client.
    pub fn client(&self) -> &RayJobsClient {
        &self.client
    }

    /// The package (built once per executor).
    pub async fn package(&self) -> Result<Arc<PluginPackage>, RunError> {
        self.shipment.package().await
    }

    pub(crate) fn plugin_code(&self) -> String {
        self.shipment.plugin_code(&self.options)
    }

    /// Submits `action` with `params` as a Ray job, and returns at once.
    pub async fn submit(&self, action: &str, params: Value) -> Result<RayJob, RunError> {
        self.submit_as(action, params, RunId::random()).await
    }

    /// Submits under the given run id.
    pub async fn submit_as(&self, action: &str, params: Value, run_id: RunId) -> Result<RayJob, RunError> {
        let plugin = self.plugin_code();
        let id = submission_id(&plugin, action, run_id.as_str());
        let job_id = self.options.job_id.clone().unwrap_or_else(|| id.clone());
        let run = run_id.to_string();
        let mut args = vec!["run", action, "--marked", "--run-id", run.as_str(), "--job-id", job_id.as_str()];
        let grace = self.options.grace.map(|grace| humantime::format_duration(grace).to_string());
        if let Some(grace) = &grace {
            args.extend(["--cancel-grace", grace.as_str()]);
        }
        self.submit_command(&id, &args, Some(&params), &[("synapse.action", action)], action, run_id).await
    }

    /// Submits the plugin binary with `args` (plus the params, in an environment variable or,
    /// when too large, in a file of the package) as the Ray job `id`, tagged with `metadata`;
    /// the returned job's events are those of run `run_id` of `what`.
    pub(crate) async fn submit_command(
        &self,
        id: &str,
        args: &[&str],
        params: Option<&Value>,
        metadata: &[(&str, &str)],
        what: &str,
        run_id: RunId,
    ) -> Result<RayJob, RunError> {
        let text = params.map(|params| serde_json::to_string(params).unwrap_or_else(|_| "{}".to_owned()));
        let mut job = match text {
            None => {
                let package = self.shipment.package_for(&self.client).await?;
                package.ensure_uploaded(&self.client).await?;
                package.job(args)
            }
            Some(text) if text.len() <= MAX_PARAMS_IN_ENV => {
                let package = self.shipment.package_for(&self.client).await?;
                package.ensure_uploaded(&self.client).await?;
                let mut args = args.to_vec();
                args.extend(["--params-env", PARAMS_VAR]);
                package.job(&args).with_env(PARAMS_VAR, text)
            }
            Some(text) => {
                // Too large for an environment variable: the params ride in the package itself
                // (its hash changes, so this run uploads its own package: the plugin's, with
                // the params file added, its entries copied as they are).
                let file = format!("params/{run_id}.json");
                let base = self.shipment.package_for(&self.client).await?;
                let relative = file.clone();
                let package = tokio::task::spawn_blocking(move || base.with_file(&relative, text.into_bytes()))
                    .await
                    .map_err(|error| RunError::Infrastructure(format!("packaging the params stopped: {error}")))??;
                package.ensure_uploaded(&self.client).await?;
                let params_arg = format!("@{file}");
                let mut args = args.to_vec();
                args.extend(["--params", params_arg.as_str()]);
                package.job(&args)
            }
        };
        job = job.with_submission_id(id.to_owned()).with_metadata("synapse.plugin", self.plugin_code());
        for (key, value) in metadata {
            job = job.with_metadata(*key, *value);
        }
        job = job.with_metadata("synapse.run_id", run_id.to_string());
        job = job.with_env(STOP_WAIT_VAR, stop_wait_secs(self.options.grace_or_default()));
        // A variable given twice takes its last value.
        let env: BTreeMap<&String, &String> = self.options.env_vars.iter().map(|(key, value)| (key, value)).collect();
        for (key, value) in env {
            job = job.with_env(key.clone(), value.clone());
        }
        job = job.with_resources(&self.options.resources);
        let id = self.client.submit(&job).await?;
        Ok(RayJob { id, action: what.to_owned(), run_id })
    }

    /// The job's status in Ray.
    pub async fn status(&self, job: &str) -> Result<JobDetails, RunError> {
        Ok(self.client.status(job).await?)
    }

    /// The job's whole log.
    pub async fn logs(&self, job: &str) -> Result<String, RunError> {
        Ok(self.client.logs(job).await?)
    }

    /// Stops the job: the plugin cancels its run (rolling back a workflow) and exits.
    pub async fn stop(&self, job: &str) -> Result<bool, RunError> {
        Ok(self.client.stop(job).await?)
    }

    /// Follows the job's log until it ends, delivering its events to the executor's sinks, and
    /// returns the run's result or error. `timeout` bounds the wait (the job keeps running).
    pub async fn wait(&self, job: &RayJob, timeout: Option<Duration>) -> Result<Value, RunError> {
        self.follow(job, timeout, None, &[]).await
    }

    async fn follow(
        &self,
        job: &RayJob,
        timeout: Option<Duration>,
        cancel: Option<&CancellationToken>,
        sinks: &[Arc<dyn EventSink>],
    ) -> Result<Value, RunError> {
        let sinks = self.options.sinks.iter().chain(sinks).cloned().collect();
        let mut stream = RemoteStream::new(&job.action, Some(job.run_id.clone()), sinks);
        let mut follower = self.client.follow_logs(&job.id)?.with_poll_interval(Duration::from_millis(50));
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        let mut stopping = false;
        loop {
            let chunk = tokio::select! {
                chunk = follower.next() => chunk,
                () = async {
                    match deadline {
                        Some(deadline) => tokio::time::sleep_until(deadline).await,
                        None => std::future::pending().await,
                    }
                } => {
                    return Err(RunError::Infrastructure(format!(
                        "Ray job `{}` is still running after {}; it keeps running (stop it with `jobs stop {}`)",
                        job.id,
                        humantime::format_duration(timeout.unwrap_or_default()),
                        job.id
                    )));
                }
                () = async {
                    match cancel {
                        Some(cancel) if !stopping => cancel.cancelled().await,
                        _ => std::future::pending().await,
                    }
                } => {
                    stopping = true;
                    self.client.stop(&job.id).await?;
                    continue;
                }
            };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error) => {
                    stream.drain();
                    return Err(disconnected(job, follower.details(), &error));
                }
            };
            match chunk {
                Some(text) => {
                    stream.push_text(&text);
                    if stream.has_outcome() {
                        // The plugin printed its last line and is exiting.
                        follower.expect_end();
                    }
                }
                None => break,
            }
        }
        let details = follower.details().cloned();
        match stream.into_result() {
            Some(outcome) => outcome,
            None => Err(lost(job, details.as_ref(), follower.lost_node())),
        }
    }

    /// Submits `action` and waits for its result (stopping the job if the executor's
    /// cancellation token fires).
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        self.execute_as(action, params, RunId::random()).await
    }

    /// [`execute`](Self::execute) under the given run id.
    pub async fn execute_as(&self, action: &str, params: Value, run_id: RunId) -> Result<Value, RunError> {
        let job = self.submit_as(action, params, run_id).await?;
        self.follow_cancellable(&job).await
    }

    /// Follows `job` to its end, stopping it if the executor's cancellation token fires.
    pub(crate) async fn follow_cancellable(&self, job: &RayJob) -> Result<Value, RunError> {
        self.follow(job, None, self.options.cancel.as_ref(), &[]).await
    }
}

impl Executor for RayJobExecutor {
    fn mode(&self) -> ExecutionMode {
        ExecutionMode::Job
    }

    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            let (cancel, _watch) = crate::executor::contract::linked(self.options.cancel.as_ref(), request.cancel);
            let job = self.submit_as(&request.action, request.params, request.run_id).await?;
            self.follow(&job, None, Some(&cancel), &request.sinks).await
        })
    }
}

/// The error of a job whose log or status could no longer be read before its outcome arrived.
fn disconnected(job: &RayJob, details: Option<&JobDetails>, error: &super::RayError) -> RunError {
    let seen = details.map(|d| format!(", last seen {}", d.status)).unwrap_or_default();
    RunError::Disconnected {
        action: job.action.clone(),
        place: format!("Ray job `{}`{seen}", job.id),
        reason: format!(
            "{error}; the job may still be running (`jobs status {id}` tells, `jobs stop {id}` stops it)",
            id = job.id
        ),
    }
}

/// The error of a job that ended without reporting its run's outcome; `node` is the node it ran
/// on when the cluster lost that node.
fn lost(job: &RayJob, details: Option<&JobDetails>, node: Option<&NodeInfo>) -> RunError {
    let reason = match details {
        Some(details) if details.status == JobStatus::Stopped => {
            return RunError::Cancelled {
                action: job.action.clone(),
                detail: Some(anyhow::anyhow!("Ray job `{}` was stopped before its plugin reported an outcome", job.id)),
            };
        }
        Some(details) => {
            let message = details.message.clone().unwrap_or_default();
            // Ray ends its first line with an announcement of the logs it appends (the plugin's
            // own lines, already shown as its events).
            let first = message.lines().next().unwrap_or_default();
            let first = first.split(", last available logs").next().unwrap_or(first).trim_end_matches(':');
            let exit = details.driver_exit_code.map(|code| format!(", exit code {code}")).unwrap_or_default();
            format!("the job ended {}{exit}: {first}", details.status)
        }
        None => "its status is unknown".to_owned(),
    };
    match node.and_then(|node| Some((node, node.loss()?))) {
        Some((node, loss)) => RunError::Lost {
            action: job.action.clone(),
            place: format!("Ray job `{}` on node {}", job.id, node.describe()),
            reason: format!("{loss}; {reason}"),
        },
        None => RunError::Lost { action: job.action.clone(), place: format!("Ray job `{}`", job.id), reason },
    }
}
