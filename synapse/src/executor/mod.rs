//! Executors: where an action runs. `run_plugin` is the one front door; the mode decides the
//! place, and the same params give the same result and the same event stream in every mode.
//!
//! `task` and `job` modes run on Ray, which needs the `ray` feature; without it they are
//! [`RunError::ModeUnavailable`], saying so.

mod error;
mod local;
pub(crate) mod panic;
mod process;
#[cfg(feature = "ray")]
pub mod ray;
pub mod remote;

pub use crate::context::CANCEL_GRACE;
pub use error::{ErrorKind, ErrorReport, RunError};
pub(crate) use local::lookup;
pub use local::{LocalExecutor, RunHandle};
pub use panic::install_panic_hook;
pub use process::ProcessExecutor;
#[cfg(feature = "ray")]
pub use ray::{RayActorExecutor, RayJobExecutor};

use crate::context::PluginEnvironment;
use crate::events::{EventSink, RunId, TerminalGuard};
use crate::registry::registry;
use serde_json::Value;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// Where a run happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
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
        match s {
            "local" => Ok(ExecutionMode::Local),
            "process" => Ok(ExecutionMode::Process),
            "task" => Ok(ExecutionMode::Task),
            "job" => Ok(ExecutionMode::Job),
            other => Err(format!("unknown execution mode `{other}`; expected local, process, task or job")),
        }
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
    let run_id = options.run_id.clone().unwrap_or_else(RunId::random);
    if options.sinks.is_empty() {
        // Nobody to tell: the outcome is all there is.
        return run_in_mode(plugin_code, action, params, mode, options, run_id).await;
    }
    // Whatever fails, and wherever, the run's stream ends with exactly one terminal event.
    let guard = TerminalGuard::new(run_id.clone(), std::mem::take(&mut options.sinks));
    options.sinks = vec![guard.sink()];
    let outcome = run_in_mode(plugin_code, action, params, mode, options, run_id).await;
    guard.close(&outcome);
    outcome
}

/// Runs in `mode`. A local run is awaited in place; a remote one is boxed, so that the state
/// of its executor (large, and rare next to local runs) does not make every run's future large.
async fn run_in_mode(
    plugin_code: &str,
    action: &str,
    params: Value,
    mode: ExecutionMode,
    options: RunOptions,
    run_id: RunId,
) -> Result<Value, RunError> {
    match mode {
        ExecutionMode::Local => run_locally(plugin_code, action, params, options, run_id).await,
        remote => Box::pin(run_remotely(plugin_code, action, params, remote, options, run_id)).await,
    }
}

async fn run_locally(
    plugin_code: &str,
    action: &str,
    params: Value,
    options: RunOptions,
    run_id: RunId,
) -> Result<Value, RunError> {
    let registry = registry()?;
    let Some(plugin) = registry.plugin_view(plugin_code) else {
        return Err(RunError::PluginNotFound { code: plugin_code.to_owned(), available: registry.plugin_codes() });
    };
    let descriptor = local::lookup(&plugin, action)?;
    let mut executor = LocalExecutor::new();
    if let Some(env) = options.env {
        executor = executor.with_env(env);
    }
    executor.job_id = options.job_id;
    for sink in options.sinks {
        executor = executor.with_sink(sink);
    }
    if let Some(cancel) = options.cancel {
        executor = executor.with_cancellation(cancel);
    }
    executor = executor.with_action_thread(options.action_thread);
    if let Some(grace) = options.grace {
        executor = executor.with_grace(grace);
    }
    executor.run(&plugin, descriptor, params, run_id).await
}

async fn run_remotely(
    plugin_code: &str,
    action: &str,
    params: Value,
    mode: ExecutionMode,
    options: RunOptions,
    run_id: RunId,
) -> Result<Value, RunError> {
    match mode {
        ExecutionMode::Local => run_locally(plugin_code, action, params, options, run_id).await,
        ExecutionMode::Process => {
            let mut executor = ProcessExecutor::new(options.plugin_binary()?);
            for (key, value) in options.env_vars {
                executor = executor.with_env_var(key, value);
            }
            if let Some(job_id) = options.job_id {
                executor = executor.with_job_id(job_id);
            }
            for sink in options.sinks {
                executor = executor.with_sink(sink);
            }
            if let Some(cancel) = options.cancel {
                executor = executor.with_cancellation(cancel);
            }
            if let Some(grace) = options.grace {
                executor = executor.with_grace(grace);
            }
            executor.run(action, params, run_id).await
        }
        #[cfg(not(feature = "ray"))]
        ExecutionMode::Job | ExecutionMode::Task => Err(crate::features::mode_without_ray(mode)),
        #[cfg(feature = "ray")]
        ExecutionMode::Job => job_executor(plugin_code, options)?.execute_as(action, params, run_id).await,
        #[cfg(feature = "ray")]
        ExecutionMode::Task => {
            let address = options.ray_dashboard(mode)?;
            let binary = options.plugin_binary()?;
            let executor = resident_worker(&address, &binary, plugin_code, options.shipped_dir(), options.env_vars)?;
            let tags = ray::worker_client::RunTags::from(run_id).with_job_id(options.job_id).with_grace(options.grace);
            executor.execute_as(action, params, tags, options.sinks, options.cancel).await
        }
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
    job_executor(plugin_code, RunOptions { sinks: Vec::new(), cancel: None, ..options })?
        .submit_as(action, params, run_id)
        .await
}

/// The job-mode executor for `options`.
#[cfg(feature = "ray")]
fn job_executor(plugin_code: &str, options: RunOptions) -> Result<ray::RayJobExecutor, RunError> {
    let mut executor = ray::RayJobExecutor::new(&options.ray_dashboard(ExecutionMode::Job)?, options.plugin_binary()?)?
        .with_plugin_code(plugin_code);
    if let Some(dir) = options.shipped_dir() {
        executor = executor.with_plugin_dir(dir);
    }
    for (key, value) in options.env_vars {
        executor = executor.with_env_var(key, value);
    }
    if let Some(job_id) = options.job_id {
        executor = executor.with_job_id(job_id);
    }
    for sink in options.sinks {
        executor = executor.with_sink(sink);
    }
    if let Some(cancel) = options.cancel {
        executor = executor.with_cancellation(cancel);
    }
    if let Some(grace) = options.grace {
        executor = executor.with_grace(grace);
    }
    Ok(executor)
}

/// A resident worker serves one cluster, binary and environment.
#[cfg(feature = "ray")]
type WorkerKey = (String, PathBuf, Vec<(String, String)>);

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
) -> Result<Arc<ray::RayActorExecutor>, RunError> {
    let key = (address.to_owned(), binary.to_path_buf(), env_vars.clone());
    let mut workers = workers().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(worker) = workers.get(&key) {
        return Ok(worker.clone());
    }
    let mut executor = ray::RayActorExecutor::new(address, binary)?.with_plugin_code(plugin_code);
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
