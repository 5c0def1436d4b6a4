//! Local execution: in this process, on the caller's runtime. How an action's body is driven
//! (the grace, abandonment, the action thread, panics) is in `drive`.

mod drive;

pub(crate) use drive::Abandoned;
use drive::drive;

use super::{ExecutionMode, Executor, RunError, RunOptions, RunRequest};
use crate::action::ActionDescriptor;
use crate::context::{Context, PluginEnvironment};
use crate::error::panic;
use crate::events::{EventKind, EventSink, RunId};
use crate::registry::{Registry, registry};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::sync::{Arc, OnceLock};
use tokio_util::sync::CancellationToken;

/// Runs actions in this process, with the settings of a [`RunOptions`] (its environment, job
/// id, sinks, cancellation, action thread and grace; the remote modes' settings play no part).
///
/// ```
/// use synapse::LocalExecutor;
/// use synapse::executor::RunOptions;
/// use synapse::events::sink::MemorySink;
/// use std::sync::Arc;
///
/// let events = Arc::new(MemorySink::new());
/// let executor = LocalExecutor::from_options(RunOptions::default().job_id("job-123").sink(events.clone()));
/// assert_eq!(executor.options().job_id.as_deref(), Some("job-123"));
/// ```
///
/// To run an action in the background, with its events as they happen and a handle to cancel
/// it, start it through the [`Executor`] trait (as every executor does):
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
/// use synapse::LocalExecutor;
/// use synapse::executor::{Executor, RunRequest};
/// use std::sync::Arc;
/// # let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let handle = Arc::new(LocalExecutor::new()).start(RunRequest::new("sleepy", json!({})));
/// handle.cancel();
/// let error = handle.wait().await.unwrap_err();
/// assert_eq!(error.exit_code(), 130);
/// # });
/// ```
#[derive(Clone)]
pub struct LocalExecutor {
    options: RunOptions,
    /// The environment actions see: the options', else this process's.
    env: PluginEnvironment,
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
    /// An executor with the default settings: its actions see this process's environment
    /// variables.
    pub fn new() -> Self {
        LocalExecutor::from_options(RunOptions::default())
    }

    /// The executor `options` describe.
    pub fn from_options(options: RunOptions) -> Self {
        let env = options.env.clone().unwrap_or_else(|| process_env().clone());
        LocalExecutor { options, env }
    }

    /// Its settings.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The environment its actions see.
    pub fn env(&self) -> &PluginEnvironment {
        &self.env
    }

    /// A token for one run: a child of the executor's own, so that cancelling the executor
    /// cancels the run.
    fn run_token(&self) -> CancellationToken {
        self.options.cancel.as_ref().map(CancellationToken::child_token).unwrap_or_default()
    }

    /// Runs `action` with `params` and returns its result.
    pub async fn execute(&self, action: &str, params: Value) -> Result<Value, RunError> {
        let registry = registry()?;
        let descriptor = lookup(registry, action)?;
        let cancel = self.run_token();
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
        let cancel = self.run_token();
        self.run_resolved(plugin_of(descriptor), descriptor, params, RunId::random(), &[], cancel).await
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
        let builder = Context::builder(descriptor.name())
            .plugin(plugin.clone())
            .run_id(run_id)
            .job_id(self.options.job_id.clone())
            .env(self.env.clone())
            .sinks(self.options.sinks.iter().chain(sinks).cloned())
            .cancellation(cancel.clone());
        #[cfg(feature = "backend")]
        let builder = builder.backend(self.options.backend.clone());
        let ctx = builder.build();
        let emitter = ctx.emitter().clone();
        // What the action's code logs with `tracing` or `log` joins this run's events.
        let _captured = crate::events::capture::register(&emitter);
        let job_id = self.options.job_id.clone();
        emitter.emit(EventKind::Started { action: descriptor.name().to_owned(), plugin, job_id });
        let (action_thread, grace) = (self.options.action_thread, self.options.grace_or_default());
        let outcome = drive(descriptor, params, ctx, &cancel, action_thread, grace).await;
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

impl Executor for LocalExecutor {
    fn mode(&self) -> ExecutionMode {
        ExecutionMode::Local
    }

    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        Box::pin(async move {
            // The executor's own token cancels its runs too.
            let (cancel, _watch) = super::contract::linked(self.options.cancel.as_ref(), request.cancel);
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
