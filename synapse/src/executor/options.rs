//! [`RunOptions`]: the one settings struct of every executor. Each executor is made from it
//! (`LocalExecutor::from_options`, `ProcessExecutor::from_options`, and on Ray
//! `RayJobExecutor::from_options`, `RayTaskExecutor::from_options`,
//! `RayPipelineExecutor::from_options`; a pipeline's `PipelineRunner::from_options`), the plugin
//! CLI fills it from its flags, and [`run_plugin_with`](super::run_plugin_with) takes it as is.
//! A setting that does not apply to a mode is ignored by it, except resources, which only a run
//! on Ray can ask for.

use super::{ExecutionMode, ListenAddress, Resources, RunError};
use crate::context::PluginEnvironment;
use crate::events::{EventSink, RunId};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How a run is executed, in any mode: where the plugin binary and the Ray cluster are, what
/// the run is tagged with, where its events go, how it is cancelled, what it asks Ray for.
///
/// Every field has a default (`RunOptions::default()` runs locally with this process's
/// environment); the builder methods set one field each.
///
/// ```
/// use synapse::executor::{ExecutionMode, Resources, RunOptions};
/// use std::time::Duration;
///
/// let options = RunOptions::default()
///     .ray_address("http://127.0.0.1:8265")
///     .job_id("job-7")
///     .grace(Duration::from_secs(10))
///     .resources(Resources::default().gpus(1.0))
///     .env_var("HF_HOME", "/cache/hf");
/// assert_eq!(options.ray_dashboard(ExecutionMode::Job).unwrap(), "http://127.0.0.1:8265");
/// assert_eq!(options.env_vars, [("HF_HOME".to_owned(), "/cache/hf".to_owned())]);
/// ```
#[derive(Clone, Default)]
pub struct RunOptions {
    /// The plugin binary for `process`, `task` and `job` modes (default: `SYNAPSE_PLUGIN_BINARY`,
    /// else this binary when it is a plugin binary).
    pub binary: Option<PathBuf>,
    /// The plugin code a run on Ray shows in its job's submission id and metadata (default:
    /// the binary's file name; [`run_plugin_with`](super::run_plugin_with) sets the plugin's).
    pub plugin_code: Option<String>,
    /// The Ray dashboard for `task` and `job` modes (default: `SYNAPSE_RAY_ADDRESS`).
    pub ray_address: Option<String>,
    /// The token of a Ray cluster that runs Ray's token authentication (sent as a bearer
    /// token to its dashboard; the plugin CLI's `--ray-token`, or `SYNAPSE_RAY_TOKEN`).
    pub ray_token: Option<String>,
    /// The job id runs are tagged with (`Context::job_id`; on Ray, default: the submission id).
    pub job_id: Option<String>,
    /// The run id (default: a fresh one). Used by [`run_plugin_with`](super::run_plugin_with)
    /// and `submit_plugin`; an executor takes each run's id from its request.
    pub run_id: Option<RunId>,
    /// Where the runs' events go (besides each request's own sinks).
    pub sinks: Vec<Arc<dyn EventSink>>,
    /// Cancels the runs: an executor's runs are cancelled when it fires (each request's own
    /// token cancels that run alone).
    pub cancel: Option<CancellationToken>,
    /// The environment of a local run (default: this process's).
    pub env: Option<PluginEnvironment>,
    /// Variables added to the environment of a remote run (`process`: the child's; `job`: the
    /// job's `runtime_env`; `task`: the resident worker's, so a different set starts another
    /// worker). The plugin reads them as usual, with [`PluginEnvironment::from_environ`]. A
    /// local run ignores them: give it [`env`](Self::env).
    pub env_vars: Vec<(String, String)>,
    /// The plugin directory shipped to Ray with the binary (config.yaml, schemas, data;
    /// default: the directory the plugin binary was built from, when it still exists).
    pub plugin_dir: Option<PathBuf>,
    /// Runs a local action on a thread of its own (with a single-threaded tokio runtime of its
    /// own) instead of on the caller's task, so that code blocking its thread (a sync action
    /// that sleeps or spins, a step calling blocking code) cannot keep signals, cancellation
    /// and timeouts from working: a cancelled run that does not stop within the grace returns
    /// cancelled, and its thread is abandoned (the plugin CLI then exits, which ends it).
    /// Costs a thread start per run (tens of microseconds); the plugin CLI and the resident
    /// worker run every action this way.
    pub action_thread: bool,
    /// How long a cancelled run's action may take to stop before it is abandoned (default
    /// [`CANCEL_GRACE`](crate::context::CANCEL_GRACE)), in every mode; a workflow's rollbacks
    /// are never cut short by it. A child process, and a Ray job stopped from outside, get it
    /// and a rollback's limit before they are killed.
    pub grace: Option<Duration>,
    /// What a run on Ray asks the cluster for: the job's entrypoint in `job` mode, the resident
    /// worker in `task` mode (a different request starts another worker). Checked against the
    /// cluster's nodes before submitting. Local and process runs take none: asking is a
    /// [`RunError::Usage`].
    pub resources: Resources,
    /// The Synapse backend's client a local run's actions get from `Context::client` (default:
    /// the one the run's environment configures). A remote run's plugin process makes its own,
    /// from its environment.
    #[cfg(feature = "backend")]
    pub backend: Option<crate::backend::BackendClient>,
    /// Where a `task`-mode worker (or a model server's replica) listens on the node Ray places
    /// it on (default `node:0`: a free port on that node's address, which a client on another
    /// node reaches too; the plugin CLI's `--worker-bind`).
    pub worker_bind: Option<ListenAddress>,
}

impl RunOptions {
    /// The plugin binary for the remote modes.
    pub fn binary(mut self, binary: impl Into<PathBuf>) -> Self {
        self.binary = Some(binary.into());
        self
    }

    /// The plugin code shown in Ray job ids and metadata.
    pub fn plugin_code(mut self, code: impl Into<String>) -> Self {
        self.plugin_code = Some(code.into());
        self
    }

    /// The Ray dashboard address for `task` and `job` modes.
    pub fn ray_address(mut self, address: impl Into<String>) -> Self {
        self.ray_address = Some(address.into());
        self
    }

    /// Authenticates to a Ray cluster that runs Ray's token authentication.
    pub fn ray_token(mut self, token: impl Into<String>) -> Self {
        self.ray_token = Some(token.into());
        self
    }

    /// Tags runs with a job id.
    pub fn job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// The run id of [`run_plugin_with`](super::run_plugin_with)'s run.
    pub fn run_id(mut self, run_id: RunId) -> Self {
        self.run_id = Some(run_id);
        self
    }

    /// Sends the runs' events to `sink` too.
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Cancels the runs when `token` is.
    pub fn cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The environment of a local run.
    pub fn env(mut self, env: PluginEnvironment) -> Self {
        self.env = Some(env);
        self
    }

    /// Adds the values of the TOML file at `path` to the run's environment, in every mode, as
    /// the plugin CLI's `--env-file` does: a local run sees its environment (the one given, else
    /// this process's) with the file's values over it ([`env`](Self::env)); a remote run gets
    /// them as variables ([`env_vars`](Self::env_vars)), and never this process's whole
    /// environment, which may hold credentials.
    ///
    /// ```
    /// use synapse::executor::RunOptions;
    /// let dir = tempfile::tempdir().unwrap();
    /// let file = dir.path().join("env.toml");
    /// std::fs::write(&file, "epochs = 3\nmodel = \"yolo\"\n").unwrap();
    /// let options = RunOptions::default().env_file(&file).unwrap();
    /// assert_eq!(options.env.as_ref().unwrap().get_int("epochs", 0).unwrap(), 3);
    /// assert!(options.env_vars.contains(&("model".to_owned(), "yolo".to_owned())));
    /// ```
    ///
    /// # Errors
    /// [`EnvError`](crate::context::EnvError) when the file cannot be read or is not TOML,
    /// naming the file.
    pub fn env_file(mut self, path: impl AsRef<std::path::Path>) -> Result<Self, crate::context::EnvError> {
        let file = PluginEnvironment::from_file(path)?;
        let base = self.env.take().unwrap_or_else(|| PluginEnvironment::from_environ(""));
        self.env = Some(base.merge(&file));
        self.env_vars.extend(file.to_vars());
        Ok(self)
    }

    /// Adds a variable to the environment of a remote run (see [`env_vars`](Self::env_vars)).
    pub fn env_var(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env_vars.push((key.into(), value.into()));
        self
    }

    /// Ships the plugin directory's files (config.yaml, schemas, data) with the binary to Ray.
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dir = Some(dir.into());
        self
    }

    /// Runs each local action on a thread of its own (see
    /// [`action_thread`](Self::action_thread)).
    pub fn action_thread(mut self, yes: bool) -> Self {
        self.action_thread = yes;
        self
    }

    /// How long a cancelled action may take to stop (see [`grace`](Self::grace)).
    pub fn grace(mut self, grace: Duration) -> Self {
        self.grace = Some(grace);
        self
    }

    /// What a run on Ray asks the cluster for.
    pub fn resources(mut self, resources: Resources) -> Self {
        self.resources = resources;
        self
    }

    /// The backend client of a local run's actions.
    #[cfg(feature = "backend")]
    pub fn backend(mut self, client: crate::backend::BackendClient) -> Self {
        self.backend = Some(client);
        self
    }

    /// Reports the run to its backend job: with a [`job_id`](Self::job_id) and a backend the
    /// run's environment configures ([`env`](Self::env), else this process's: `SYNAPSE_HOST` and a
    /// token), checks the job with `GET jobs/{id}/`, then adds a
    /// [`JobSink`](crate::backend::JobSink) for it to the sinks. Without a job id or a backend,
    /// the options are returned as they are (the job id only tags the run); a job the backend
    /// does not have (404) is said on stderr and the run is not reported (the job id still tags
    /// it: on Ray it defaults to the submission id). Where the action runs is where this
    /// belongs: the plugin CLI in local mode, a worker.
    ///
    /// # Errors
    /// [`RunError::Usage`] naming the job, before anything runs, when the environment configures
    /// a backend half-way, or the backend refuses the credentials, cannot be reached or fails:
    /// a run whose reports would all be lost does not start.
    #[cfg(feature = "backend")]
    pub async fn report_to_job(self) -> Result<Self, RunError> {
        use crate::backend::{BackendClient, BackendConfig, JobSink};
        let Some(job) = self.job_id.clone() else { return Ok(self) };
        let config = match &self.env {
            Some(env) => {
                BackendConfig::from_lookup(|name| env.get_str(name, "").ok().filter(|value| !value.is_empty()))
            }
            None => BackendConfig::from_env(),
        };
        let cannot = |error: &dyn std::fmt::Display| {
            RunError::Usage(format!("job `{job}` cannot be reported to the Synapse backend: {error}"))
        };
        let Some(client) = BackendClient::from_config(config).map_err(|error| cannot(&error))? else {
            return Ok(self);
        };
        match client.get_job(job.as_str()).await {
            Ok(_) => Ok(self.sink(Arc::new(JobSink::new(client, job.as_str())))),
            Err(error) if error.status() == Some(404) => {
                eprintln!(
                    "warning: job `{job}` is not on the Synapse backend at {} ({error}): this run is not reported to it",
                    client.config().host
                );
                Ok(self)
            }
            Err(error) => Err(cannot(&error)),
        }
    }

    /// Where a `task`-mode worker listens on its node (a [`ListenAddress`], or a socket address).
    pub fn worker_bind(mut self, bind: impl Into<ListenAddress>) -> Self {
        self.worker_bind = Some(bind.into());
        self
    }

    /// The Ray dashboard: the one given, else `SYNAPSE_RAY_ADDRESS`.
    ///
    /// # Errors
    /// [`RunError::ModeUnavailable`] for `mode` when neither is given.
    pub fn ray_dashboard(&self, mode: ExecutionMode) -> Result<String, RunError> {
        let given = |address: &String| !address.trim().is_empty();
        let address = self.ray_address.clone().filter(given);
        address.or_else(|| std::env::var("SYNAPSE_RAY_ADDRESS").ok().filter(given)).ok_or_else(|| {
            RunError::ModeUnavailable {
                mode,
                reason: "no Ray cluster given: pass `--ray-address` (or `RunOptions::ray_address`) or set SYNAPSE_RAY_ADDRESS"
                    .to_owned(),
            }
        })
    }

    /// The plugin directory shipped to Ray: the one given, else the directory this plugin
    /// binary was built from, when it still exists.
    #[cfg(feature = "ray")]
    pub(crate) fn shipped_dir(&self) -> Option<PathBuf> {
        self.plugin_dir.clone().or_else(|| {
            crate::registry::binary_info().map(|info| PathBuf::from(info.manifest_dir)).filter(|dir| dir.is_dir())
        })
    }

    /// The plugin binary: the one given, else `SYNAPSE_PLUGIN_BINARY`, else this binary when it
    /// is a plugin binary.
    ///
    /// # Errors
    /// [`RunError::Usage`] when none of them is, naming this program.
    pub fn plugin_binary(&self) -> Result<PathBuf, RunError> {
        if let Some(binary) = &self.binary {
            return Ok(binary.clone());
        }
        if let Some(binary) = std::env::var_os("SYNAPSE_PLUGIN_BINARY") {
            return Ok(PathBuf::from(binary));
        }
        if crate::registry::binary_info().is_some() {
            return std::env::current_exe().map_err(|error| {
                RunError::Infrastructure(format!("cannot locate the running plugin binary: {error}"))
            });
        }
        let this = std::env::current_exe().map(|path| format!(" ({})", path.display())).unwrap_or_default();
        Err(RunError::Usage(format!(
            "remote modes run a plugin binary (one built with `synapse::main!`), and this program{this} is not \
             one: pass `RunOptions::binary` or set SYNAPSE_PLUGIN_BINARY"
        )))
    }

    /// The cancellation grace (the one given, else
    /// [`CANCEL_GRACE`](crate::context::CANCEL_GRACE)).
    pub(crate) fn grace_or_default(&self) -> Duration {
        self.grace.unwrap_or(crate::context::CANCEL_GRACE)
    }

    /// Refuses resources for a run that is not on Ray (`mode` local or process).
    pub(crate) fn check_resources_off_ray(&self, mode: ExecutionMode) -> Result<(), RunError> {
        if matches!(mode, ExecutionMode::Local | ExecutionMode::Process) && !self.resources.is_empty() {
            let on_ray = "`--mode task` and `--mode job`";
            return Err(RunError::resources_off_ray(&self.resources, mode.as_str(), on_ray));
        }
        Ok(())
    }
}
