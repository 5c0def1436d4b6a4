//! Local execution: in this process, on the caller's runtime.

use super::{RunError, panic};
use crate::action::{ActionDescriptor, Failure};
use crate::context::{Context, PluginEnvironment};
use crate::error::Cancelled;
use crate::events::{EventKind, EventSink, RunId};
use crate::registry::{Registry, registry};
use futures_util::FutureExt;
use serde_json::Value;
use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, OnceLock};
use tokio_util::sync::CancellationToken;

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
    cancel: Option<CancellationToken>,
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
        LocalExecutor { env: process_env().clone(), job_id: None, sinks: Vec::new(), client: None, cancel: None }
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

    /// Runs `action` with `params` and returns its result.
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        let registry = registry()?;
        let descriptor = lookup(registry, action)?;
        self.run(registry, descriptor, params, RunId::random()).await
    }

    /// Starts `action` in the background on the current tokio runtime and returns a handle to
    /// cancel it or wait for it.
    ///
    /// ```
    /// # use synapse::prelude::*;
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
        let registry = registry()?;
        let descriptor = lookup(registry, action)?;
        let cancel = self.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
        let executor = self.clone().with_cancellation(cancel.clone());
        let run_id = RunId::random();
        let id = run_id.clone();
        let task = tokio::spawn(async move { executor.run(registry, descriptor, params, id).await });
        Ok(RunHandle { run_id, action: descriptor.name(), cancel, task })
    }

    /// Runs a resolved action under the given run id.
    pub(crate) async fn run(
        &self,
        registry: &Registry,
        descriptor: &'static ActionDescriptor,
        params: Value,
        run_id: RunId,
    ) -> Result<Value, RunError> {
        panic::install_panic_hook(false);
        let cancel = self.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default();
        let plugin = registry.plugin_of(descriptor).code;
        let ctx = Context::builder(descriptor.name())
            .plugin(plugin.clone())
            .run_id(run_id)
            .job_id(self.job_id.clone())
            .env(self.env.clone())
            .sinks(self.sinks.iter().cloned())
            .cancellation(cancel.clone())
            .client(self.client.clone())
            .build();
        let emitter = ctx.emitter().clone();
        emitter.emit(EventKind::Started { action: descriptor.name().to_owned(), plugin, job_id: self.job_id.clone() });
        let outcome = drive(descriptor, params, ctx, &cancel).await;
        emitter.flush_progress();
        match &outcome {
            Ok(value) => emitter.emit(EventKind::Result { value: value.clone() }),
            Err(error) => emitter.emit(EventKind::Error { error: error.report() }),
        }
        emitter.finish();
        outcome
    }
}

/// How long a cancelled action may keep running to notice its token before it is dropped.
pub const CANCEL_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

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
) -> Result<Value, RunError> {
    let action = descriptor.name();
    descriptor.validate_params(&params)?;
    let logger = ctx.logger().clone();
    let run = AssertUnwindSafe(descriptor.run(params, ctx)).catch_unwind();
    // On cancellation the action first gets a grace period to notice its token, stop and
    // return (cleaning up as it goes); only then is it dropped at its next await point.
    let abandon = async {
        cancel.cancelled().await;
        tokio::time::sleep(CANCEL_GRACE).await;
    };
    let outcome = tokio::select! {
        biased;
        outcome = run => outcome,
        () = abandon => return Err(RunError::Cancelled { action: action.to_owned(), detail: None }),
    };

    match outcome {
        Err(payload) => Err(RunError::Panicked {
            action: action.to_owned(),
            message: panic::message(payload.as_ref()),
            location: panic::take_location(),
        }),
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
            .check_result(produced, &logger)
            .map_err(|violations| RunError::InvalidResult { action: action.to_owned(), violations }),
    }
}

/// A run started with [`LocalExecutor::start`].
pub struct RunHandle {
    run_id: RunId,
    action: &'static str,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<Result<Value, RunError>>,
}

impl RunHandle {
    /// The run's id (as in its events).
    pub fn run_id(&self) -> &RunId {
        &self.run_id
    }

    /// Asks the run to stop: the action's token is cancelled; a workflow rolls back.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// True once the run has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// Waits for the run's result.
    pub async fn wait(self) -> Result<Value, RunError> {
        match self.task.await {
            Ok(outcome) => outcome,
            Err(error) => Err(RunError::Panicked {
                action: self.action.to_owned(),
                message: format!("the run's task ended abnormally: {error}"),
                location: None,
            }),
        }
    }
}
