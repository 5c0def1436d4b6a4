//! Local execution: in this process, on the caller's runtime.

use super::{ExecutionMode, Executor, RunError, RunHandle, RunRequest};
use crate::action::{ActionDescriptor, Failure, Produced};
use crate::context::CANCEL_GRACE;
use crate::context::{Context, PluginEnvironment};
use crate::error::panic;
use crate::error::{Cancelled, Error};
use crate::events::{EventKind, EventSink, LogLevel, RunId};
use crate::registry::{Registry, registry};
use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Either};
use serde_json::Value;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// Runs actions in this process.
///
/// ```
/// use synapse::LocalExecutor;
/// use synapse::events::sink::MemorySink;
/// use std::sync::Arc;
///
/// let events = Arc::new(MemorySink::new());
/// let executor = LocalExecutor::new().with_job_id("job-123").with_sink(events.clone());
/// assert_eq!(executor.job_id.as_deref(), Some("job-123"));
/// ```
#[derive(Clone)]
pub struct LocalExecutor {
    /// The environment actions see (default: this process's environment variables).
    pub env: PluginEnvironment,
    /// The job id runs are tagged with.
    pub job_id: Option<String>,
    sinks: Vec<Arc<dyn EventSink>>,
    client: Option<Arc<dyn Any + Send + Sync>>,
    pub(crate) cancel: Option<CancellationToken>,
    action_thread: bool,
    grace: std::time::Duration,
}

impl Default for LocalExecutor {
    fn default() -> Self {
        LocalExecutor::new()
    }
}

/// The process environment, read once.
fn process_env() -> &'static PluginEnvironment {
    static ENV: OnceLock<PluginEnvironment> = OnceLock::new();
    ENV.get_or_init(|| PluginEnvironment::from_environ(""))
}

impl LocalExecutor {
    /// An executor whose actions see this process's environment variables.
    pub fn new() -> Self {
        LocalExecutor {
            env: process_env().clone(),
            job_id: None,
            sinks: Vec::new(),
            client: None,
            cancel: None,
            action_thread: false,
            grace: CANCEL_GRACE,
        }
    }

    /// The executor `options` describe (its environment, job id, action thread and grace; a
    /// run's sinks and cancellation come with the run).
    pub fn from_options(options: &super::RunOptions) -> Self {
        let mut executor = LocalExecutor::new().with_action_thread(options.action_thread);
        if let Some(env) = &options.env {
            executor.env = env.clone();
        }
        executor.job_id = options.job_id.clone();
        if let Some(grace) = options.grace {
            executor.grace = grace;
        }
        executor
    }

    /// Replaces the environment.
    pub fn with_env(mut self, env: PluginEnvironment) -> Self {
        self.env = env;
        self
    }

    /// Tags runs with a job id.
    pub fn with_job_id(mut self, job_id: impl Into<String>) -> Self {
        self.job_id = Some(job_id.into());
        self
    }

    /// Sends every run's events to `sink` too.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Gives actions a backend client (see [`Context::client`]).
    pub fn with_client<C: Any + Send + Sync>(mut self, client: C) -> Self {
        self.client = Some(Arc::new(client));
        self
    }

    /// Runs are cancelled when `token` is.
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// How long a cancelled action may take to stop before it is abandoned (default
    /// [`CANCEL_GRACE`]); a workflow's rollbacks after that are never cut short.
    pub fn with_grace(mut self, grace: std::time::Duration) -> Self {
        self.grace = grace;
        self
    }

    /// Runs each action on a thread of its own (with a single-threaded tokio runtime of its
    /// own) instead of on the caller's task. An action whose code blocks its thread (a sync
    /// action that sleeps or spins, a step calling blocking code) then cannot stop the
    /// caller's runtime from seeing signals, cancellation and timers: a cancelled run that
    /// does not stop within [`CANCEL_GRACE`] returns cancelled, and its thread is abandoned
    /// (the plugin CLI then exits, which ends it). Costs a thread start per run (tens of
    /// microseconds); the plugin CLI and the resident worker run every action this way.
    pub fn with_action_thread(mut self, yes: bool) -> Self {
        self.action_thread = yes;
        self
    }

    /// Runs `action` with `params` and returns its result.
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        let registry = registry()?;
        let descriptor = lookup(registry, action)?;
        let cancel = self.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
        self.run_resolved(registry.plugin_code_of(descriptor), descriptor, params, RunId::random(), &[], cancel).await
    }

    /// Runs the action `descriptor` with `params`, without the registry: for library users
    /// and tests that hold the action itself (`MyAction::descriptor()`); a registry that does
    /// not build (two actions of one name, say) does not stop it. Its events name its plugin:
    /// the `plugin!` of its crate, else the crate.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::LocalExecutor;
    /// use synapse::action::RegisteredAction;
    ///
    /// #[params]
    /// pub struct ShoutParams { pub text: String }
    ///
    /// #[action]
    /// pub struct Shout;
    ///
    /// impl Action for Shout {
    ///     type Params = ShoutParams;
    ///     type Output = Value;
    ///     async fn execute(&self, params: ShoutParams, _: &Context) -> Result<Value> {
    ///         Ok(json!(params.text.to_uppercase()))
    ///     }
    /// }
    ///
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    /// let loud = rt.block_on(LocalExecutor::new().execute_action(Shout::descriptor(), json!({"text": "hi"})));
    /// assert_eq!(loud.unwrap(), "HI");
    /// ```
    pub async fn execute_action(
        &self,
        descriptor: &'static ActionDescriptor,
        params: Value,
    ) -> Result<Value, RunError> {
        let cancel = self.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
        self.run_resolved(plugin_of(descriptor), descriptor, params, RunId::random(), &[], cancel).await
    }

    /// Starts `action` in the background on the current tokio runtime and returns a handle to
    /// cancel it or wait for it.
    ///
    /// ```
    /// # use synapse::prelude::*;
    /// # use synapse::LocalExecutor;
    /// # #[action]
    /// # async fn sleepy(ctx: &Context) -> Result<Value> {
    /// #     loop {
    /// #         ctx.check_cancelled()?;
    /// #         tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    /// #     }
    /// # }
    /// # let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    /// # rt.block_on(async {
    /// let handle = LocalExecutor::new().start("sleepy", json!({})).unwrap();
    /// handle.cancel();
    /// let error = handle.wait().await.unwrap_err();
    /// assert_eq!(error.exit_code(), 130);
    /// # });
    /// ```
    pub fn start(&self, action: &str, params: Value) -> Result<RunHandle, RunError> {
        let descriptor = lookup(registry()?, action)?;
        let cancel = self.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
        let request = RunRequest::new(descriptor, params).with_cancellation(cancel);
        Ok(Executor::start(Arc::new(self.clone()), request))
    }

    /// Runs a resolved action of the plugin `plugin` under the given run id: its events go to
    /// this executor's sinks and to `sinks`, `cancel` cancels it.
    pub(crate) async fn run_resolved(
        &self,
        plugin: &str,
        descriptor: &'static ActionDescriptor,
        params: Value,
        run_id: RunId,
        sinks: &[Arc<dyn EventSink>],
        cancel: CancellationToken,
    ) -> Result<Value, RunError> {
        panic::install_panic_hook(false);
        let plugin = plugin.to_owned();
        let ctx = Context::builder(descriptor.name())
            .plugin(plugin.clone())
            .run_id(run_id)
            .job_id(self.job_id.clone())
            .env(self.env.clone())
            .sinks(self.sinks.iter().chain(sinks).cloned())
            .cancellation(cancel.clone())
            .client(self.client.clone())
            .build();
        let emitter = ctx.emitter().clone();
        // What the action's code logs with `tracing` or `log` joins this run's events.
        let _captured = crate::events::capture::register(&emitter);
        emitter.emit(EventKind::Started { action: descriptor.name().to_owned(), plugin, job_id: self.job_id.clone() });
        let outcome = drive(descriptor, params, ctx, &cancel, self.action_thread, self.grace).await;
        emitter.flush_progress();
        match &outcome {
            Ok(value) => emitter.emit(EventKind::Result { value: value.clone() }),
            Err(error) => emitter.emit(EventKind::Error { error: error.report() }),
        }
        emitter.finish();
        outcome
    }
}

/// The action `name` of `registry`, or why there is none.
pub(crate) fn lookup(registry: &Registry, name: &str) -> Result<&'static ActionDescriptor, RunError> {
    if let Some(action) = registry.action(name) {
        return Ok(action);
    }
    let crates = registry.crates_defining(name);
    if crates.len() > 1 {
        return Err(RunError::AmbiguousAction {
            action: name.to_owned(),
            crates: crates.into_iter().map(str::to_owned).collect(),
        });
    }
    Err(RunError::ActionNotFound {
        action: name.to_owned(),
        available: registry.names().into_iter().map(str::to_owned).collect(),
    })
}

async fn drive(
    descriptor: &'static ActionDescriptor,
    params: Value,
    ctx: Context,
    cancel: &CancellationToken,
    action_thread: bool,
    grace: std::time::Duration,
) -> Result<Value, RunError> {
    let action = descriptor.name();
    crate::registry::check_defaults(descriptor)?;
    descriptor.validate_params(&params)?;
    // The run's control (its background work, whether it unwinds), kept after the body took
    // the context.
    let run_ctx = ctx.clone();
    let control = run_ctx.control();
    let mut body = descriptor.run(params, ctx);
    if crate::events::capture::is_on() {
        // What the action logs with `tracing` or `log` belongs to this run.
        body = Box::pin(body.instrument(crate::events::capture::run_span(run_ctx.run_id(), action)));
    }
    let run = if action_thread {
        Either::Left(on_action_thread(body))
    } else {
        Either::Right(AssertUnwindSafe(body).catch_unwind())
    };
    // On cancellation the action first gets a grace period to notice its token, stop and
    // return (cleaning up as it goes); only then is it dropped at its next await point. A
    // workflow's rollbacks are never cut short: the grace waits for them.
    let abandon = async {
        cancel.cancelled().await;
        tokio::time::sleep(grace).await;
        if !control.in_workflow() {
            return Abandoned::Action(grace);
        }
        // A workflow is not abandoned while it moves on: a step still running (blocking code
        // does not see the token) is waited for so that the workflow can roll back, and its
        // rollbacks run to their end, each bounded by its own limit.
        run_ctx.emitter().emit(EventKind::log_line(
            LogLevel::Warning,
            format!(
                "the action did not stop within {} of being cancelled: its workflow goes on (a step's blocking \
                 code does not see the cancellation); waiting for it so that it can roll back",
                humantime::format_duration(grace)
            ),
        ));
        let limit = crate::steps::ROLLBACK_LIMIT;
        if !control.workflows_ended(limit).await {
            return Abandoned::Workflow(limit);
        }
        // The workflow has rolled back: the action returns with its error at once.
        tokio::time::sleep(grace).await;
        Abandoned::Action(grace)
    };
    let finished = tokio::select! {
        biased;
        finished = run => finished,
        abandoned = abandon => {
            let detail = Some(Error::new(abandoned));
            return Err(RunError::Cancelled { action: action.to_owned(), detail });
        }
    };
    // Nothing of the run is still writing when it returns: its tracked background work ends
    // first (a cancelled run's within the grace).
    if cancel.is_cancelled() {
        let _ = tokio::time::timeout(grace, control.tasks_finished()).await;
    } else {
        control.tasks_finished().await;
    }

    match finished {
        Err(payload) => {
            let Panic { message, location } = Panic::of(payload);
            Err(RunError::Panicked { action: action.to_owned(), message, location })
        }
        Ok(Err(Failure::Params(violations))) => {
            Err(RunError::InvalidParams(crate::params::ParamsError { action: action.to_owned(), violations }))
        }
        Ok(Err(Failure::Action(error))) if error.chain().any(|cause| cause.is::<Cancelled>()) => {
            // The bare marker says nothing more; anything wrapped around it (a workflow's
            // rollbacks, the action's own context) is kept.
            let detail = if error.is::<Cancelled>() { None } else { Some(error) };
            Err(RunError::Cancelled { action: action.to_owned(), detail })
        }
        Ok(Err(Failure::Action(error))) => Err(RunError::Failed { action: action.to_owned(), source: error }),
        Ok(Ok(produced)) => descriptor
            .check_result(produced, run_ctx.logger())
            .map_err(|violations| RunError::InvalidResult { action: action.to_owned(), violations }),
    }
}

/// Why a cancelled run returned without its action's own outcome: the action was abandoned.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Abandoned {
    /// The action did not stop within the grace.
    #[error(
        "it did not stop within {} of being cancelled and was abandoned (a blocking call does not see the \
         cancellation token: check `ctx.is_cancelled()` in long loops, or run blocking work with `ctx.spawn_blocking`)",
        humantime::format_duration(*.0)
    )]
    Action(std::time::Duration),
    /// Its workflow did not move on (no step ended, no rollback began) for this long.
    #[error(
        "its workflow did not move on for {} after the run was cancelled (a step or a rollback blocks its thread) \
         and was abandoned without rolling back",
        humantime::format_duration(*.0)
    )]
    Workflow(std::time::Duration),
}

/// How an action's body ended: what it returned, or the payload of its panic.
type Finished = std::thread::Result<Result<Produced, Failure>>;

/// A panic of an action, as the thread it happened on saw it (where it happened is recorded
/// per thread: see [`panic::take_location`]).
struct Panic {
    message: String,
    location: Option<String>,
}

impl Panic {
    /// The panic `payload` carries: one caught on the action's own thread, or one caught here.
    fn of(payload: Box<dyn Any + Send>) -> Self {
        match payload.downcast::<Panic>() {
            Ok(panic) => *panic,
            Err(payload) => Panic { message: panic::message(payload.as_ref()), location: panic::take_location() },
        }
    }
}

/// Runs the body on a thread of its own, with a single-threaded runtime of its own, so that a
/// body that blocks its thread (a sync action sleeping or spinning, a step calling blocking
/// code) cannot stop the caller's runtime from noticing signals, cancellation and timeouts.
/// The body's runtime is shut down before its outcome is delivered: tasks it spawned end with
/// it, and blocking work it started gets the cancellation grace to finish.
fn on_action_thread(body: BoxFuture<'static, Result<Produced, Failure>>) -> impl Future<Output = Finished> {
    let (sender, receiver) = tokio::sync::oneshot::channel::<Finished>();
    let spawned = std::thread::Builder::new().name("synapse-action".to_owned()).spawn(move || {
        let finished = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(runtime) => {
                let finished = runtime.block_on(AssertUnwindSafe(body).catch_unwind());
                runtime.shutdown_timeout(CANCEL_GRACE);
                // Where it panicked is known on this thread only: say it now.
                finished.map_err(|payload| Box::new(Panic::of(payload)) as Box<dyn Any + Send>)
            }
            Err(error) => Ok(Err(Failure::Action(Error::new(error).context("cannot start the action's runtime")))),
        };
        let _ = sender.send(finished);
    });
    async move {
        match spawned {
            Ok(_) => receiver.await.unwrap_or_else(|_| {
                let message = "the action's thread ended without an outcome".to_owned();
                Err(Box::new(Panic { message, location: None }))
            }),
            Err(error) => Ok(Err(Failure::Action(Error::new(error).context("cannot start a thread for the action")))),
        }
    }
}

impl Executor for LocalExecutor {
    fn mode(&self) -> ExecutionMode {
        ExecutionMode::Local
    }

    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            // The executor's own token cancels its runs too.
            let (cancel, _watch) = super::contract::linked(self.cancel.as_ref(), request.cancel);
            let (plugin, descriptor) = match request.resolved {
                Some(descriptor) => (plugin_of(descriptor), descriptor),
                None => {
                    let registry = registry()?;
                    let descriptor = lookup(registry, &request.action)?;
                    (registry.plugin_code_of(descriptor), descriptor)
                }
            };
            self.run_resolved(plugin, descriptor, request.params, request.run_id, &request.sinks, cancel).await
        })
    }
}

/// The plugin `descriptor` belongs to: as the registry says, else (no registry) its crate.
fn plugin_of(descriptor: &'static ActionDescriptor) -> &'static str {
    match registry() {
        Ok(registry) => registry.plugin_code_of(descriptor),
        Err(_) => descriptor.meta().crate_name,
    }
}
