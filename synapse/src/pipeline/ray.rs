//! Pipeline mode: a whole pipeline as one Ray job. The job is the plugin binary's
//! `pipeline run` (or `pipeline resume`), recording its checkpoints in a run store on the disk of
//! the machine it runs on, so a later job there — or this machine, when it is that machine — can
//! resume the run; the pipeline's events
//! (its overall progress, each action's start and end, its result) come back through the log.

use super::store::RunStore;
use crate::events::RunId;
use crate::executor::ray::{JobDetails, RayJob, RayJobExecutor, RayJobsClient, submission_id};
use crate::executor::{RunError, RunOptions};
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

/// Runs pipelines as Ray jobs, one job per run (or resume).
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::RunOptions;
/// use synapse::pipeline::RayPipelineExecutor;
/// let options = RunOptions::default().ray_address("http://127.0.0.1:8265").binary("target/release/dataset_pipeline");
/// let executor = RayPipelineExecutor::from_options(options)?.with_store("/shared/runs.db");
/// let job = executor.submit("dataset", serde_json::json!({"work_dir": "/shared/run-1"})).await?;
/// match executor.wait(&job, None).await {
///     Ok(result) => println!("{result}"),
///     // Continue where it stopped, in a new job.
///     Err(_) => { executor.wait(&executor.resume_from(job.run_id.as_str()).await?, None).await?; }
/// }
/// # Ok(()) }
/// ```
pub struct RayPipelineExecutor {
    jobs: RayJobExecutor,
    store: PathBuf,
    take_over: bool,
}

impl RayPipelineExecutor {
    /// An executor for the Ray dashboard at `address`, running the plugin binary `binary`, with
    /// the default settings otherwise (see [`from_options`](Self::from_options)).
    pub fn new(address: &str, binary: impl Into<PathBuf>) -> Result<Self, RunError> {
        RayPipelineExecutor::from_options(RunOptions::default().ray_address(address).binary(binary))
    }

    /// The executor `options` describe (those of a job-mode run: Ray address and token, plugin
    /// binary, directory and code, environment variables, resources, sinks, cancellation),
    /// with the run store at [`RunStore::default_path`] made absolute: right for a cluster on
    /// this machine. The store is SQLite on a local disk (one on a network file system is
    /// refused: [`StoreError::NetworkFileSystem`](crate::pipeline::store::StoreError)), so on a
    /// cluster of several machines place the pipeline's job on the node whose disk holds it
    /// (Ray's per-node resource `node:<ip>` in the options' resources) and give its path there
    /// with [`with_store`](Self::with_store).
    pub fn from_options(options: RunOptions) -> Result<Self, RunError> {
        let store = std::path::absolute(RunStore::default_path())
            .map_err(|error| RunError::Infrastructure(format!("cannot resolve the run store path: {error}")))?;
        Ok(RayPipelineExecutor { jobs: RayJobExecutor::from_options(options)?, store, take_over: false })
    }

    /// The run store the jobs record into, as the cluster sees it.
    pub fn with_store(mut self, path: impl Into<PathBuf>) -> Self {
        self.store = path.into();
        self
    }

    /// Lets [`resume_from`](Self::resume_from) take the run over from a process that still
    /// claims it (see [`PipelineRunner::with_take_over`](crate::pipeline::PipelineRunner::with_take_over)).
    pub fn with_take_over(mut self) -> Self {
        self.take_over = true;
        self
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        self.jobs.options()
    }

    /// The Jobs API client.
    pub fn client(&self) -> &RayJobsClient {
        self.jobs.client()
    }

    /// The run store path the jobs use.
    pub fn store(&self) -> &std::path::Path {
        &self.store
    }

    /// Submits a new run of `pipeline` with `params`, and returns at once.
    pub async fn submit(&self, pipeline: &str, params: Value) -> Result<RayJob, RunError> {
        self.submit_as(pipeline, params, RunId::random()).await
    }

    /// [`submit`](Self::submit) under the given run id.
    pub async fn submit_as(&self, pipeline: &str, params: Value, run_id: RunId) -> Result<RayJob, RunError> {
        let id = submission_id(&self.plugin(), pipeline, run_id.as_str());
        let store = self.store.to_string_lossy().into_owned();
        let run = run_id.to_string();
        let args = ["pipeline", "run", pipeline, "--marked", "--run-id", run.as_str(), "--store", store.as_str()];
        let metadata = [("synapse.pipeline", pipeline)];
        self.jobs.submit_command(&id, &args, Some(&params), &metadata, pipeline, run_id).await
    }

    /// Submits a job that resumes the run `run_id` from its last checkpoint in the store.
    pub async fn resume_from(&self, run_id: &str) -> Result<RayJob, RunError> {
        let store = RunStore::open(&self.store)
            .and_then(|store| store.run(run_id))
            .map_err(|error| RunError::Infrastructure(error.to_string()))?;
        let Some(record) = store else {
            return Err(RunError::Infrastructure(format!(
                "no run `{run_id}` in the run store `{}`",
                self.store.display()
            )));
        };
        let attempt = RunId::random();
        let id = submission_id(&self.plugin(), &record.pipeline, &format!("{run_id}-{}", &attempt.as_str()[..8]));
        let store = self.store.to_string_lossy().into_owned();
        let mut args = vec!["pipeline", "resume", run_id, "--marked", "--store", store.as_str()];
        if self.take_over {
            args.push("--take-over");
        }
        let metadata = [("synapse.pipeline", record.pipeline.as_str()), ("synapse.resumes", run_id)];
        self.jobs.submit_command(&id, &args, None, &metadata, &record.pipeline, RunId::from(run_id)).await
    }

    /// The job's status in Ray.
    pub async fn status(&self, job: &str) -> Result<JobDetails, RunError> {
        self.jobs.status(job).await
    }

    /// Follows the job's log until it ends, delivering the pipeline's events to the sinks, and
    /// returns the last action's result or the run's error (the action that failed, and the
    /// run id to resume).
    pub async fn wait(&self, job: &RayJob, timeout: Option<Duration>) -> Result<Value, RunError> {
        self.jobs.wait(job, timeout).await
    }

    /// Like [`wait`](Self::wait) without a timeout, stopping the job when the executor's
    /// cancellation token fires (the run stays resumable).
    pub async fn follow(&self, job: &RayJob) -> Result<Value, RunError> {
        self.jobs.follow_cancellable(job).await
    }

    /// Stops the job (the action in flight is cancelled; the run stays resumable).
    pub async fn stop(&self, job: &str) -> Result<bool, RunError> {
        self.jobs.stop(job).await
    }

    /// Submits `pipeline` and waits for its result.
    pub async fn execute(&self, pipeline: &str, params: Value) -> Result<Value, RunError> {
        let job = self.submit(pipeline, params).await?;
        self.follow(&job).await
    }

    fn plugin(&self) -> String {
        self.jobs.plugin_code()
    }
}
