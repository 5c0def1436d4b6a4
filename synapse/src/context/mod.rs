//! The runtime context every action receives, and its environment.

// The context, what it holds, its cancellation and background work are here; what an action
// reports through it (logs, progress, metrics, messages) is in `reporting`, its training
// telemetry (metric and visualization events) in `telemetry`, and building one in `builder`.
mod builder;
mod control;
mod env;
mod logger;
mod reporting;
mod telemetry;

pub use builder::ContextBuilder;
pub use env::{EnvError, FORWARDED_VAR, Origin, PluginEnvironment};
pub use logger::Logger;
pub use telemetry::METRICS_CATEGORIES;

pub use control::CANCEL_GRACE;
pub(crate) use control::RunControl;

use crate::error::{Cancelled, Result};
use crate::events::{Emitter, EventKind, OverallProgress, ProgressHandle, RunId};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// What an action can see and say while it runs: its environment, the run and job ids, a
/// logger, progress/metrics/message reporting, a cancellation token, and a slot for a backend
/// client. Cheap to clone; clones share the run.
///
/// ```
/// use synapse::prelude::*;
/// use synapse::events::sink::MemorySink;
/// use std::sync::Arc;
///
/// let memory = Arc::new(MemorySink::new());
/// let ctx = Context::builder("demo").sink(memory.clone()).build();
/// for i in 1..=10 {
///     ctx.set_progress(i, 10);
/// }
/// ctx.set_metrics(metrics! { loss: 0.05, accuracy: 0.95 }, "train");
/// ctx.log_message("done", LogLevel::Success);
/// ctx.finish();
/// assert_eq!(memory.events().len(), 12);
/// ```
#[derive(Clone)]
pub struct Context {
    inner: Arc<Inner>,
    scope: Option<Arc<StepScope>>,
}

/// What a context knows while a workflow step runs: events are tagged with the step, and the
/// step's own progress feeds the workflow's overall progress.
pub(crate) struct StepScope {
    name: Arc<str>,
    offset: f64,
    weight: f64,
    overall: Arc<OverallProgress>,
    logger: Logger,
    progress: ProgressHandle,
}

struct Inner {
    action: Arc<str>,
    plugin: String,
    job_id: Option<String>,
    env: PluginEnvironment,
    emitter: Emitter,
    cancel: CancellationToken,
    /// The run's backend client: the one given, else the one its environment configures, made
    /// on first use (or why there is none).
    #[cfg(feature = "backend")]
    backend: std::sync::OnceLock<Result<crate::backend::BackendClient, String>>,
    #[cfg(feature = "backend")]
    given_backend: Option<crate::backend::BackendClient>,
    logger: Logger,
    control: RunControl,
    /// The metric categories outside [`METRICS_CATEGORIES`] warned about so far.
    other_categories: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl Context {
    /// The action being run.
    pub fn action(&self) -> &str {
        &self.inner.action
    }

    /// The plugin code.
    pub fn plugin(&self) -> &str {
        &self.inner.plugin
    }

    /// This run's id (unique per run).
    pub fn run_id(&self) -> &RunId {
        self.inner.emitter.run_id()
    }

    /// The job this run belongs to, when it was given one.
    pub fn job_id(&self) -> Option<&str> {
        self.inner.job_id.as_deref()
    }

    /// The plugin environment.
    pub fn env(&self) -> &PluginEnvironment {
        &self.inner.env
    }

    /// The developer logger.
    pub fn logger(&self) -> &Logger {
        match &self.scope {
            Some(scope) => &scope.logger,
            None => &self.inner.logger,
        }
    }

    /// The workflow step this context runs, if any.
    pub fn step(&self) -> Option<&str> {
        self.scope.as_deref().map(|scope| &*scope.name)
    }

    /// This context, scoped to a workflow step.
    pub(crate) fn in_step(&self, name: &str, offset: f64, weight: f64, overall: Arc<OverallProgress>) -> Context {
        let name: Arc<str> = Arc::from(name);
        let logger = Logger::new(self.inner.emitter.clone(), self.inner.action.clone()).in_step(name.clone());
        let progress = self.inner.emitter.progress(Some(&name));
        let scope = StepScope { name, offset, weight, overall, logger, progress };
        Context { inner: self.inner.clone(), scope: Some(Arc::new(scope)) }
    }

    fn emit(&self, kind: EventKind) {
        self.inner.emitter.emit_in_step(self.step(), kind);
    }

    /// The event emitter (for integrations that emit their own events).
    pub fn emitter(&self) -> &Emitter {
        &self.inner.emitter
    }

    /// The cancellation token: cancelled on Ctrl-C in the plugin CLI, or by the executor.
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.inner.cancel
    }

    /// True once the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancel.is_cancelled()
    }

    /// `Err(Cancelled)` once the run was asked to stop: call it at check points in long
    /// computations (`ctx.check_cancelled()?`).
    pub fn check_cancelled(&self) -> Result<()> {
        if self.is_cancelled() { Err(Cancelled.into()) } else { Ok(()) }
    }

    /// Runs blocking work (file I/O, decoding, a CPU-heavy loop) on tokio's blocking thread
    /// pool, as `tokio::task::spawn_blocking` does, and keeps track of it for the run: a
    /// workflow waits for it to end before it rolls back, and the run does not end while it
    /// goes on, so nothing of a failed or cancelled run is still writing after it returns.
    /// Blocking work started any other way is not waited for.
    ///
    /// ```
    /// # use synapse::prelude::*;
    /// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    /// # rt.block_on(async {
    /// let ctx = Context::builder("resize").build();
    /// let pixels = ctx.spawn_blocking(|| (0..1_000u64).sum::<u64>()).await?;
    /// assert_eq!(pixels, 499_500);
    /// # Ok::<(), Error>(())
    /// # }).unwrap();
    /// ```
    pub fn spawn_blocking<F, R>(&self, work: F) -> tokio::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.inner.control.spawn_blocking(work)
    }

    /// Spawns a task on the current tokio runtime, as `tokio::spawn` does, and keeps track of
    /// it for the run like [`spawn_blocking`](Self::spawn_blocking).
    pub fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.control.spawn(task)
    }

    pub(crate) fn control(&self) -> &RunControl {
        &self.inner.control
    }

    /// The Synapse backend's client for this run (with the `backend` feature): the one the
    /// executor was given ([`RunOptions::backend`](crate::executor::RunOptions::backend)), else
    /// the one the run's environment configures (`SYNAPSE_HOST` and a token, from the process
    /// or an `--env-file`: see [`BackendConfig::from_lookup`](crate::backend::BackendConfig::from_lookup)),
    /// made on first use.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// let ctx = Context::builder("sync").build();
    /// let error = ctx.client().unwrap_err().to_string();
    /// assert!(error.starts_with("this run has no Synapse backend"), "{error}");
    /// ```
    ///
    /// # Errors
    /// When the run has no backend, or its environment configures one half-way (a token without
    /// `SYNAPSE_HOST`, say): the error says which, and what to set.
    #[cfg(feature = "backend")]
    pub fn client(&self) -> Result<&crate::backend::BackendClient> {
        let resolved = self.inner.backend.get_or_init(|| match &self.inner.given_backend {
            Some(client) => Ok(client.clone()),
            None => {
                let env = &self.inner.env;
                let lookup = |name: &str| env.get_str(name, "").ok().filter(|value| !value.is_empty());
                match crate::backend::BackendClient::from_config(crate::backend::BackendConfig::from_lookup(lookup)) {
                    Ok(Some(client)) => Ok(client),
                    Ok(None) => Err(format!(
                        "this run has no Synapse backend: set {} and {} (or {}) in its environment or its \
                         --env-file, or give the executor one (`RunOptions::backend`)",
                        crate::backend::HOST_VAR,
                        crate::backend::ACCESS_TOKEN_VAR,
                        crate::backend::USER_TOKEN_VAR
                    )),
                    Err(error) => Err(error.to_string()),
                }
            }
        });
        resolved.as_ref().map_err(|reason| crate::error::Error::msg(reason.clone()))
    }

    /// Emits pending progress and flushes the sinks (executors call this when a run ends).
    pub fn finish(&self) {
        self.inner.emitter.finish();
    }
}

#[cfg(all(test, feature = "backend"))]
mod tests {
    use super::*;

    fn with_env(vars: &[(&str, &str)]) -> Context {
        Context::builder("sync").env(PluginEnvironment::from_vars(vars.iter().copied(), "")).build()
    }

    #[test]
    fn the_client_is_the_one_the_runs_environment_configures() {
        let ctx = with_env(&[("SYNAPSE_HOST", "http://127.0.0.1:9"), ("SYNAPSE_ACCESS_TOKEN", "t")]);
        let client = ctx.client().expect("configured");
        assert_eq!(client.config().host.as_str(), "http://127.0.0.1:9/");
        assert!(std::ptr::eq(client, ctx.client().expect("the same")), "made once");
    }

    #[test]
    fn a_half_configured_backend_says_what_is_missing() {
        let error = with_env(&[("SYNAPSE_ACCESS_TOKEN", "t")]).client().unwrap_err().to_string();
        assert!(error.contains("SYNAPSE_HOST is not"), "{error}");
        assert!(!error.contains("\"t\""), "{error}");
    }

    #[test]
    fn a_given_client_wins_over_the_environment() {
        let given = crate::backend::BackendClient::new(
            crate::backend::BackendConfig::new("http://given:1", "g").expect("config"),
        )
        .expect("client");
        let ctx = Context::builder("sync")
            .env(PluginEnvironment::from_vars([("SYNAPSE_HOST", "http://env:2"), ("SYNAPSE_ACCESS_TOKEN", "e")], ""))
            .backend(Some(given))
            .build();
        assert_eq!(ctx.client().expect("given").config().host.as_str(), "http://given:1/");
    }
}
