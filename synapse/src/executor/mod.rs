//! Executors: where an action runs. `run_plugin` is the one front door; the mode decides the
//! place, and the same params give the same result and the same event stream in every mode.
//!
//! `task` and `job` modes run on Ray, which needs the `ray` feature; without it they are
//! [`RunError::ModeUnavailable`], saying so.

pub(crate) mod contract;
mod error;
mod local;
mod process;
#[cfg(feature = "ray")]
pub mod ray;
pub mod remote;
mod resources;

pub use crate::context::CANCEL_GRACE;
pub use crate::error::panic::install_panic_hook;
pub use crate::events::{ErrorKind, ErrorReport};
pub use contract::{ActionRef, Executor, RunHandle, RunRequest};
pub use error::RunError;
pub use local::LocalExecutor;
pub(crate) use local::lookup;
pub use process::ProcessExecutor;
#[cfg(feature = "ray")]
pub use ray::{RayActorExecutor, RayJobExecutor};
pub use resources::{Amount, ByteCount, CustomResource, Resources};

use crate::context::PluginEnvironment;
use crate::events::{EventSink, RunId};
use crate::registry::registry;
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Where a run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionMode {
    /// In this process, on the caller's tokio runtime.
    #[default]
    Local,
    /// The plugin binary as a child process speaking JSON lines.
    Process,
    /// A resident Ray worker (the plugin binary as a long-running Ray job).
    Task,
    /// One Ray job per run, over the Ray Jobs REST API.
    Job,
}

impl ExecutionMode {
    /// Every mode, in the order of this enum.
    pub const ALL: [ExecutionMode; 4] =
        [ExecutionMode::Local, ExecutionMode::Process, ExecutionMode::Task, ExecutionMode::Job];

    /// One line saying where a run in this mode happens (the plugin CLI's `--mode` help).
    pub const fn description(self) -> &'static str {
        match self {
            ExecutionMode::Local => "In this process, on the caller's tokio runtime",
            ExecutionMode::Process => "The plugin binary as a child process speaking JSON lines",
            ExecutionMode::Task => "A resident Ray worker (the plugin binary as a long-running Ray job)",
            ExecutionMode::Job => "One Ray job per run, over the Ray Jobs REST API",
        }
    }

    /// The name on the command line and in config.
    pub const fn as_str(self) -> &'static str {
        match self {
            ExecutionMode::Local => "local",
            ExecutionMode::Process => "process",
            ExecutionMode::Task => "task",
            ExecutionMode::Job => "job",
        }
    }
}

impl fmt::Display for ExecutionMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExecutionMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        ExecutionMode::ALL
            .into_iter()
            .find(|mode| mode.as_str() == s)
            .ok_or_else(|| format!("unknown execution mode `{s}`; expected local, process, task or job"))
    }
}

/// Runs `action` of the plugin `plugin_code` with `params` in `mode`, and returns its result.
///
/// `plugin_code` names this binary's plugin (its `plugin!` code, its package, or a crate that
/// defines actions). Params are validated against the action's published schema first; every
/// violation is reported at once.
///
/// ```
/// use synapse::prelude::*;
/// use synapse::{ExecutionMode, run_plugin};
///
/// #[params]
/// pub struct AddParams { pub a: i64, pub b: i64 }
///
/// #[action]
/// async fn add(params: AddParams) -> Result<serde_json::Value> {
///     Ok(serde_json::json!({ "sum": params.a + params.b }))
/// }
///
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// # rt.block_on(async {
/// let code = env!("CARGO_CRATE_NAME"); // a doctest is its own crate
/// let sum = run_plugin(code, "add", serde_json::json!({"a": 2, "b": 3}), ExecutionMode::Local).await.unwrap();
/// assert_eq!(sum["sum"], 5);
///
/// let error = run_plugin(code, "add", serde_json::json!({"a": "2"}), ExecutionMode::Local).await.unwrap_err();
/// assert_eq!(error.exit_code(), 2);
/// assert_eq!(error.to_string(), "invalid params for action `add`: 2 problems
///   - $.a: must be an integer (got string \"2\")
///   - $.b: is required but missing");
/// # });
/// ```
pub async fn run_plugin(
    plugin_code: &str,
    action: &str,
    params: Value,
    mode: ExecutionMode,
) -> Result<Value, RunError> {
    run_plugin_with(plugin_code, action, params, mode, RunOptions::default()).await
}

/// What the executors behind [`run_plugin_with`] need beyond the action and its params.
#[derive(Clone, Default)]
pub struct RunOptions {
    /// The plugin binary for `process`, `task` and `job` modes (default: `SYNAPSE_PLUGIN_BINARY`,
    /// else this binary when it is a plugin binary).
    pub binary: Option<PathBuf>,
    /// The Ray dashboard for `task` and `job` modes (default: `SYNAPSE_RAY_ADDRESS`).
    pub ray_address: Option<String>,
    /// The job id runs are tagged with.
    pub job_id: Option<String>,
    /// The run id (default: a fresh one).
    pub run_id: Option<RunId>,
    /// Where the run's events go.
    pub sinks: Vec<Arc<dyn EventSink>>,
    /// Cancels the run.
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
    /// Runs a local action on a thread of its own, so that code blocking its thread cannot
    /// keep cancellation and timeouts from working (see [`LocalExecutor::with_action_thread`];
    /// the plugin CLI sets it).
    pub action_thread: bool,
    /// How long a cancelled run's action may take to stop before it is abandoned (default
    /// [`CANCEL_GRACE`]), in every mode; a workflow's rollbacks are never cut short by it.
    pub grace: Option<std::time::Duration>,
    /// What a run on Ray asks the cluster for: the job's entrypoint in `job` mode, the resident
    /// worker in `task` mode (a different request starts another worker). Checked against the
    /// cluster's nodes before submitting. Local and process runs take none: asking is a
    /// [`RunError::Usage`].
    pub resources: Resources,
}

impl RunOptions {
    /// Adds a variable to the environment of a remote run (see [`env_vars`](Self::env_vars)).
    pub fn env_var(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.env_vars.push((key.into(), value.into()));
        self
    }

    /// Sends the run's events to `sink` too.
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// The plugin binary for the remote modes.
    pub fn binary(mut self, binary: impl Into<PathBuf>) -> Self {
        self.binary = Some(binary.into());
        self
    }

    /// The Ray dashboard address for `task` and `job` modes.
    pub fn ray_address(mut self, address: impl Into<String>) -> Self {
        self.ray_address = Some(address.into());
        self
    }

    /// The Ray dashboard: the one given, else `SYNAPSE_RAY_ADDRESS`.
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

    #[cfg(feature = "ray")]
    fn shipped_dir(&self) -> Option<PathBuf> {
        self.plugin_dir.clone().or_else(|| {
            crate::registry::binary_info().map(|info| PathBuf::from(info.manifest_dir)).filter(|dir| dir.is_dir())
        })
    }

    /// The plugin binary: the one given, else `SYNAPSE_PLUGIN_BINARY`, else this binary when it
    /// is a plugin binary.
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
        Err(RunError::Infrastructure(
            "remote modes run the plugin binary, and this is not one: pass `RunOptions::binary` or set SYNAPSE_PLUGIN_BINARY"
                .into(),
        ))
    }
}

/// [`run_plugin`], with options: the plugin binary for remote modes, the Ray address, sinks,
/// cancellation, ids.
///
/// The sinks see the run's events as a local run emits them, in every mode, and the stream
/// always ends with exactly one `result` or `error` event: when the run fails where no event
/// can come from (no Ray address, a dashboard that does not answer, a child process that
/// died), the `error` event is emitted here, naming what failed and where.
pub async fn run_plugin_with(
    plugin_code: &str,
    action: &str,
    params: Value,
    mode: ExecutionMode,
    mut options: RunOptions,
) -> Result<Value, RunError> {
    let request = RunRequest {
        action: action.to_owned(),
        resolved: None,
        params,
        run_id: options.run_id.take().unwrap_or_else(RunId::random),
        sinks: std::mem::take(&mut options.sinks),
        cancel: options.cancel.take().unwrap_or_default(),
    };
    PluginRun { plugin_code: plugin_code.to_owned(), mode, options }.run_to_end(request).await
}

/// A run of this binary's plugin `plugin_code` in `mode`, with the executor of that mode made
/// from `options` (the one settings struct of every mode): what [`run_plugin_with`] runs.
struct PluginRun {
    plugin_code: String,
    mode: ExecutionMode,
    options: RunOptions,
}

impl Executor for PluginRun {
    fn mode(&self) -> ExecutionMode {
        self.mode
    }

    /// Runs in its mode. A remote run's executor is built here, inside the run: a dashboard
    /// that cannot be reached or a binary that cannot be found fails the run with its event.
    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            let (mode, options) = (self.mode, &self.options);
            if matches!(mode, ExecutionMode::Local | ExecutionMode::Process) && !options.resources.is_empty() {
                let on_ray = "`--mode task` and `--mode job`";
                return Err(RunError::resources_off_ray(&options.resources, mode.as_str(), on_ray));
            }
            match mode {
                ExecutionMode::Local => {
                    // The action is resolved once, here, and passed down.
                    let registry = registry()?;
                    let Some(plugin) = registry.plugin_view(&self.plugin_code) else {
                        let available = registry.plugin_codes();
                        return Err(RunError::PluginNotFound { code: self.plugin_code.clone(), available });
                    };
                    let descriptor = local::lookup(&plugin, &request.action)?;
                    let executor = LocalExecutor::from_options(options);
                    let plugin_code = plugin.plugin_code_of(descriptor);
                    let RunRequest { params, run_id, sinks, cancel, .. } = request;
                    executor.run_resolved(plugin_code, descriptor, params, run_id, &sinks, cancel).await
                }
                ExecutionMode::Process => Executor::run(&ProcessExecutor::from_options(options)?, request).await,
                #[cfg(not(feature = "ray"))]
                ExecutionMode::Job | ExecutionMode::Task => Err(RunError::mode_without_ray(mode)),
                #[cfg(feature = "ray")]
                ExecutionMode::Job => Executor::run(&job_executor(&self.plugin_code, options)?, request).await,
                #[cfg(feature = "ray")]
                ExecutionMode::Task => {
                    let address = options.ray_dashboard(mode)?;
                    let binary = options.plugin_binary()?;
                    let dir = options.shipped_dir();
                    let (env_vars, resources) = (options.env_vars.clone(), options.resources.clone());
                    let executor = resident_worker(&address, &binary, &self.plugin_code, dir, env_vars, resources)?;
                    let tags = ray::worker_client::RunTags::from(request.run_id)
                        .with_job_id(options.job_id.clone())
                        .with_grace(options.grace);
                    executor
                        .execute_as(&request.action, request.params, tags, request.sinks, Some(request.cancel))
                        .await
                }
            }
        })
    }
}

/// Submits `action` of plugin `plugin_code` as a Ray job and returns at once, with the job to
/// follow later ([`ray::RayJobExecutor::wait`], or the CLI's `jobs wait`). The params are
/// validated here first: nobody watches a detached job's events, so bad params must not cost a
/// job.
///
/// The options are those of [`run_plugin_with`]; sinks and cancellation play no part.
#[cfg(feature = "ray")]
pub async fn submit_plugin(
    plugin_code: &str,
    action: &str,
    params: Value,
    options: RunOptions,
) -> Result<ray::RayJob, RunError> {
    let registry = registry()?;
    let Some(plugin) = registry.for_plugin(plugin_code) else {
        return Err(RunError::PluginNotFound { code: plugin_code.to_owned(), available: registry.plugin_codes() });
    };
    local::lookup(&plugin, action)?.validate_params(&params)?;
    let run_id = options.run_id.clone().unwrap_or_else(RunId::random);
    job_executor(plugin_code, &options)?.submit_as(action, params, run_id).await
}

/// The job-mode executor for `options` (its sinks and cancellation are the run's, not the
/// executor's).
#[cfg(feature = "ray")]
fn job_executor(plugin_code: &str, options: &RunOptions) -> Result<ray::RayJobExecutor, RunError> {
    let mut executor = ray::RayJobExecutor::new(&options.ray_dashboard(ExecutionMode::Job)?, options.plugin_binary()?)?
        .with_plugin_code(plugin_code)
        .with_resources(options.resources.clone());
    if let Some(dir) = options.shipped_dir() {
        executor = executor.with_plugin_dir(dir);
    }
    for (key, value) in &options.env_vars {
        executor = executor.with_env_var(key, value);
    }
    if let Some(job_id) = &options.job_id {
        executor = executor.with_job_id(job_id);
    }
    if let Some(grace) = options.grace {
        executor = executor.with_grace(grace);
    }
    Ok(executor)
}

/// A resident worker serves one cluster, binary, environment and resource request.
#[cfg(feature = "ray")]
type WorkerKey = (String, PathBuf, Vec<(String, String)>, String);

#[cfg(feature = "ray")]
fn workers() -> &'static std::sync::Mutex<std::collections::HashMap<WorkerKey, Arc<ray::RayActorExecutor>>> {
    static WORKERS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<WorkerKey, Arc<ray::RayActorExecutor>>>,
    > = std::sync::OnceLock::new();
    WORKERS.get_or_init(Default::default)
}

/// The resident worker `run_plugin` uses for task mode on `address` with `binary`: started on
/// first use, kept for the process's lifetime (see [`shutdown_workers`]).
#[cfg(feature = "ray")]
fn resident_worker(
    address: &str,
    binary: &std::path::Path,
    plugin_code: &str,
    dir: Option<PathBuf>,
    env_vars: Vec<(String, String)>,
    resources: Resources,
) -> Result<Arc<ray::RayActorExecutor>, RunError> {
    let key = (address.to_owned(), binary.to_path_buf(), env_vars.clone(), format!("{resources:?}"));
    let mut workers = workers().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(worker) = workers.get(&key) {
        return Ok(worker.clone());
    }
    let mut executor =
        ray::RayActorExecutor::new(address, binary)?.with_plugin_code(plugin_code).with_resources(resources);
    if let Some(dir) = dir {
        executor = executor.with_plugin_dir(dir);
    }
    for (key, value) in env_vars {
        executor = executor.with_env_var(key, value);
    }
    let executor = Arc::new(executor);
    workers.insert(key, executor.clone());
    Ok(executor)
}

/// Stops every resident worker `run_plugin` started in task mode (none without the `ray`
/// feature).
pub async fn shutdown_workers() -> Result<(), RunError> {
    #[cfg(feature = "ray")]
    shutdown_ray_workers().await?;
    Ok(())
}

#[cfg(feature = "ray")]
async fn shutdown_ray_workers() -> Result<(), RunError> {
    let started: Vec<Arc<ray::RayActorExecutor>> =
        workers().lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain().map(|(_, w)| w).collect();
    for worker in started {
        worker.shutdown().await?;
    }
    Ok(())
}
