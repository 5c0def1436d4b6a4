//! Task mode: the plugin binary resident on Ray as a long-running job, serving runs.

use super::resident;
use super::shipment::Shipment;
use super::worker::{WORKER_LINE_MARKER, WORKER_TOKEN_VAR, WorkerAnnouncement};
use super::worker_client::{RunTags, WorkerClient, WorkerFailure};
use super::{JobStatus, RayJobsClient};
use crate::events::{EventSink, RunId};
use crate::executor::RunError;
use crate::executor::{ExecutionMode, Executor, RunOptions, RunRequest};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

/// Runs actions on a resident worker: the plugin binary, started once as a long-running Ray job
/// that holds its CPUs/GPUs like an actor and serves runs one at a time over HTTP, so each run
/// after the first starts in milliseconds. Requests carry a per-worker secret token.
///
/// A worker that crashes is reported as an error for the run in flight and started again for
/// the next run. [`shutdown`](Self::shutdown) stops its job.
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::ray::RayTaskExecutor;
/// let executor = RayTaskExecutor::new("http://127.0.0.1:8265", "target/release/quickstart")?;
/// let result = executor.execute("process", serde_json::json!({"input_path": "a", "output_path": "b"})).await?;
/// executor.shutdown().await?;
/// # Ok(()) }
/// ```
pub struct RayTaskExecutor {
    client: RayJobsClient,
    shipment: Shipment,
    options: RunOptions,
    worker: Mutex<Option<Resident>>,
}

/// How long a run whose worker cannot be reached waits for Ray to settle the worker's job: a
/// worker on a lost node stays RUNNING until the cluster declares the node dead, after its
/// health checks fail (Ray's defaults: about 30 s).
const LOST_NODE_PATIENCE: Duration = Duration::from_secs(45);

/// A started worker: its job, where it listens, and its connection.
struct Resident {
    job: String,
    announcement: WorkerAnnouncement,
    client: WorkerClient,
}

impl RayTaskExecutor {
    /// An executor for the Ray dashboard at `address`, running the plugin binary `binary`, with
    /// the default settings otherwise.
    pub fn new(address: &str, binary: impl Into<PathBuf>) -> Result<Self, RunError> {
        RayTaskExecutor::from_options(RunOptions::default().ray_address(address).binary(binary))
    }

    /// The executor `options` describe: the worker is started with their Ray address and
    /// token, plugin binary, directory and code, environment variables, resources and bind
    /// address; each run is tagged with their job id and grace, its events go to their sinks
    /// too, and their token cancels it.
    ///
    /// # Errors
    /// [`RunError::ModeUnavailable`] without a Ray address, [`RunError::Usage`] without a
    /// plugin binary, [`RunError::Usage`] for an address that is not one.
    pub fn from_options(options: RunOptions) -> Result<Self, RunError> {
        let (client, shipment) = Shipment::with_client(&options, ExecutionMode::Task)?;
        Ok(RayTaskExecutor { client, shipment, options, worker: Mutex::new(None) })
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The tags of run `run_id`: it, and the settings' job id and grace.
    fn tags(&self, run_id: RunId) -> RunTags {
        RunTags::from(run_id).with_job_id(self.options.job_id.clone()).with_grace(self.options.grace)
    }

    /// The worker's Ray job, once started.
    pub async fn job_id(&self) -> Option<String> {
        self.worker.lock().await.as_ref().map(|resident| resident.job.clone())
    }

    /// Where the worker listens and its process id, once started.
    pub async fn worker(&self) -> Option<WorkerAnnouncement> {
        self.worker.lock().await.as_ref().map(|resident| resident.announcement.clone())
    }

    /// Starts the worker if it is not running (a run does this too).
    pub async fn start(&self) -> Result<(), RunError> {
        let mut worker = self.worker.lock().await;
        if worker.is_none() {
            *worker = Some(self.launch().await?);
        }
        Ok(())
    }

    async fn launch(&self) -> Result<Resident, RunError> {
        let token = RunId::random().to_string() + RunId::random().as_str();
        let bind = self.options.worker_bind.unwrap_or_default().to_string();
        let resident = resident::Resident {
            role: "worker",
            args: vec!["worker".into(), "--bind".into(), bind],
            env: vec![(WORKER_TOKEN_VAR.to_owned(), token.clone())],
            metadata: Vec::new(),
            marker: WORKER_LINE_MARKER,
        };
        let (job, announcement): (String, WorkerAnnouncement) =
            resident.launch(&self.client, &self.shipment, &self.options).await?;
        let client = WorkerClient::new(announcement.addr, token);
        Ok(Resident { job, announcement, client })
    }

    /// Runs `action` on the worker (starting it first if needed).
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        self.execute_as(action, params, self.tags(RunId::random()), Vec::new(), self.options.cancel.clone()).await
    }

    /// [`execute`](Self::execute) under the given run id (and job id, with [`RunTags`]), with
    /// more sinks for this run; `cancel` cancels the run on the worker.
    pub async fn execute_as(
        &self,
        action: &str,
        params: Value,
        run: impl Into<RunTags>,
        sinks: Vec<Arc<dyn EventSink>>,
        cancel: Option<CancellationToken>,
    ) -> Result<Value, RunError> {
        let sinks: Vec<Arc<dyn EventSink>> = self.options.sinks.iter().cloned().chain(sinks).collect();
        let mut worker = self.worker.lock().await;
        if worker.is_none() {
            *worker = Some(self.launch().await?);
        }
        let Some(resident) = worker.as_ref() else {
            return Err(RunError::Infrastructure("the worker did not start".into()));
        };
        match resident.client.try_run(action, params, run, sinks, cancel).await {
            Ok(outcome) => outcome,
            Err(failure) => {
                // The worker is gone or broken: say what Ray knows, and start a new one next time.
                let job = resident.job.clone();
                // A worker that cannot be reached may be on a node the cluster lost, which Ray
                // declares dead only after its health checks fail (about 30 s by default).
                let (reason, patience) = match failure {
                    WorkerFailure::Unreachable(reason) => (reason, LOST_NODE_PATIENCE),
                    WorkerFailure::Refused(reason) => (reason, Duration::from_secs(2)),
                };
                let settled = self.settled_status(&job, patience).await;
                // The node it ran on, named in the error, and whether the cluster lost it.
                let node = match settled.as_ref().ok().and_then(|details| details.driver_node_id.as_deref()) {
                    Some(node_id) => self.client.node(node_id).await.ok().flatten(),
                    None => None,
                };
                let place = match &node {
                    Some(node) => format!("Ray worker `{job}` on node {}", node.describe()),
                    None => format!("Ray worker `{job}`"),
                };
                let loss =
                    node.as_ref().and_then(|node| node.loss()).map(|loss| format!("; {loss}")).unwrap_or_default();
                let status = match settled {
                    Ok(details) if details.status.is_terminal() => {
                        let message = details.message.unwrap_or_default();
                        let first = message.lines().next().unwrap_or_default();
                        format!("{loss}; its Ray job is {}: {first}", details.status)
                    }
                    Ok(details) => {
                        // Alive but not answering: stop it; a new worker serves the next run.
                        if details.status == JobStatus::Running {
                            let _ = self.client.stop(&job).await;
                        }
                        format!("{loss}; its Ray job is still {}", details.status)
                    }
                    Err(error) => format!("; its Ray job cannot be checked: {error}"),
                };
                *worker = None;
                Err(RunError::Lost { action: action.to_owned(), place, reason: format!("{reason}{status}") })
            }
        }
    }

    /// The status of the worker job `job`, once Ray has noticed what happened to it: a worker
    /// that just died is still RUNNING for Ray until its supervisor's next look (a tenth of a
    /// second), one on a lost node until the cluster declares the node dead (its health checks),
    /// so a status that is not terminal is asked again for up to `patience`.
    async fn settled_status(&self, job: &str, patience: Duration) -> Result<super::JobDetails, super::RayError> {
        let deadline = tokio::time::Instant::now() + patience;
        loop {
            let details = self.client.status(job).await?;
            if details.status.is_terminal() || tokio::time::Instant::now() >= deadline {
                return Ok(details);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the worker's job (no-op when none is running).
    pub async fn shutdown(&self) -> Result<(), RunError> {
        if let Some(resident) = self.worker.lock().await.take() {
            self.client.stop(&resident.job).await?;
        }
        Ok(())
    }
}

impl Executor for RayTaskExecutor {
    fn mode(&self) -> ExecutionMode {
        ExecutionMode::Task
    }

    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            let RunRequest { action, params, run_id, sinks, cancel, .. } = request;
            // The executor's own token cancels its runs too.
            let (cancel, _watch) = crate::executor::contract::linked(self.options.cancel.as_ref(), cancel);
            self.execute_as(&action, params, self.tags(run_id), sinks, Some(cancel)).await
        })
    }
}
