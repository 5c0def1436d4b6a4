//! The front door: [`run_plugin`] and [`run_plugin_with`] run an action of this binary's plugin
//! in any mode, with the executor of that mode made from [`RunOptions`]; `submit_plugin`
//! submits one as a detached Ray job; task mode's resident workers are kept here, one per
//! cluster, binary, environment and resource request, until [`shutdown_workers`].

#[cfg(feature = "ray")]
use super::ray;
use super::{ExecutionMode, Executor, LocalExecutor, ProcessExecutor, RunError, RunOptions, RunRequest, local};
use crate::events::RunId;
use crate::registry::registry;
use futures_util::future::BoxFuture;
use serde_json::Value;
#[cfg(feature = "ray")]
use std::path::PathBuf;
#[cfg(feature = "ray")]
use std::sync::Arc;

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
            options.check_resources_off_ray(mode)?;
            match mode {
                ExecutionMode::Local => {
                    // The action is resolved once, here, and passed down.
                    let registry = registry()?;
                    let Some(plugin) = registry.plugin_view(&self.plugin_code) else {
                        let available = registry.plugin_codes();
                        return Err(RunError::PluginNotFound { code: self.plugin_code.clone(), available });
                    };
                    let descriptor = local::lookup(&plugin, &request.action)?;
                    let executor = LocalExecutor::from_options(options.clone());
                    let plugin_code = plugin.plugin_code_of(descriptor);
                    let RunRequest { params, run_id, sinks, cancel, .. } = request;
                    executor.run_resolved(plugin_code, descriptor, params, run_id, &sinks, cancel).await
                }
                ExecutionMode::Process => {
                    Executor::run(&ProcessExecutor::from_options(options.clone())?, request).await
                }
                #[cfg(not(feature = "ray"))]
                ExecutionMode::Job | ExecutionMode::Task => Err(RunError::mode_without_ray(mode)),
                #[cfg(feature = "ray")]
                ExecutionMode::Job => Executor::run(&job_executor(&self.plugin_code, options)?, request).await,
                #[cfg(feature = "ray")]
                ExecutionMode::Task => {
                    // One worker serves many runs: what tags a run travels with the run.
                    let executor = resident_worker(&self.plugin_code, options)?;
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

/// The job-mode executor for `options`, showing `plugin_code` (its sinks and cancellation are
/// the run's, not the executor's).
#[cfg(feature = "ray")]
fn job_executor(plugin_code: &str, options: &RunOptions) -> Result<ray::RayJobExecutor, RunError> {
    let options = RunOptions { sinks: Vec::new(), cancel: None, ..options.clone() };
    ray::RayJobExecutor::from_options(options.plugin_code(plugin_code))
}

/// A resident worker serves one cluster, binary, environment and resource request.
#[cfg(feature = "ray")]
type WorkerKey = (String, PathBuf, Vec<(String, String)>, String);

#[cfg(feature = "ray")]
fn workers() -> &'static std::sync::Mutex<std::collections::HashMap<WorkerKey, Arc<ray::RayTaskExecutor>>> {
    static WORKERS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<WorkerKey, Arc<ray::RayTaskExecutor>>>,
    > = std::sync::OnceLock::new();
    WORKERS.get_or_init(Default::default)
}

/// The resident worker `run_plugin` uses for task mode with `options` (its cluster, binary,
/// environment variables and resources): started on first use, kept for the process's
/// lifetime (see [`shutdown_workers`]). The run's tags, sinks and cancellation are not the
/// worker's: they come with each run.
#[cfg(feature = "ray")]
fn resident_worker(plugin_code: &str, options: &RunOptions) -> Result<Arc<ray::RayTaskExecutor>, RunError> {
    let address = options.ray_dashboard(ExecutionMode::Task)?;
    let binary = options.plugin_binary()?;
    let key = (address.clone(), binary.clone(), options.env_vars.clone(), format!("{:?}", options.resources));
    let mut workers = workers().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(worker) = workers.get(&key) {
        return Ok(worker.clone());
    }
    let worker_options = RunOptions {
        binary: Some(binary),
        plugin_code: Some(plugin_code.to_owned()),
        ray_address: Some(address),
        ray_token: options.ray_token.clone(),
        env_vars: options.env_vars.clone(),
        plugin_dir: options.shipped_dir(),
        resources: options.resources.clone(),
        worker_bind: options.worker_bind,
        ..RunOptions::default()
    };
    let executor = Arc::new(ray::RayTaskExecutor::from_options(worker_options)?);
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
    let started: Vec<Arc<ray::RayTaskExecutor>> =
        workers().lock().unwrap_or_else(std::sync::PoisonError::into_inner).drain().map(|(_, w)| w).collect();
    for worker in started {
        worker.shutdown().await?;
    }
    Ok(())
}
