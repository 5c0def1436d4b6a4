//! The runtime context every action receives, and its environment.

mod control;
mod env;
mod logger;

pub use env::{EnvError, FORWARDED_VAR, Origin, PluginEnvironment};
pub use logger::Logger;

pub use control::CANCEL_GRACE;
pub(crate) use control::RunControl;

use crate::error::{Cancelled, Result};
use crate::events::{Emitter, EventKind, EventSink, LogLevel, Metrics, OverallProgress, ProgressHandle, RunId};
use serde::Serialize;
use std::any::Any;
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
    client: Option<Arc<dyn Any + Send + Sync>>,
    logger: Logger,
    control: RunControl,
}

impl Context {
    /// Starts building a context for `action` (executors do this; tests and tools may too).
    pub fn builder(action: impl Into<String>) -> ContextBuilder {
        ContextBuilder {
            action: action.into(),
            plugin: String::new(),
            run_id: None,
            job_id: None,
            env: PluginEnvironment::new(),
            sinks: Vec::new(),
            cancel: None,
            client: None,
        }
    }

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

    /// Records a structured event named `event` with `data`, at info level.
    pub fn log(&self, event: &str, data: impl Serialize) {
        self.log_at(LogLevel::Info, event, data);
    }

    /// Records a structured event at `level`.
    pub fn log_at(&self, level: LogLevel, event: &str, data: impl Serialize) {
        let data = to_data(data);
        self.emit(EventKind::Log { level, event: event.to_owned(), data });
    }

    /// Reports the action's main progress: `current` of `total` items.
    ///
    /// Cheap enough for a hot loop (a few atomic operations): values are coalesced so the sinks
    /// see bounded traffic, every distinct value of a total up to 1,000 is delivered, and the
    /// final value always is. `current` above `total` is reported as `total`; a `total` of 0
    /// means "unknown".
    ///
    /// Inside a workflow step this is the step's own progress (category = the step name); the
    /// workflow's overall progress (the main category) follows from it and the step's weight.
    #[inline]
    pub fn set_progress(&self, current: u64, total: u64) {
        match &self.scope {
            None => self.inner.emitter.set_progress(None, current, total),
            Some(scope) => self.set_step_progress(scope, current, total),
        }
    }

    #[inline(never)]
    fn set_step_progress(&self, scope: &StepScope, current: u64, total: u64) {
        scope.progress.set(current, total);
        if total > 0 {
            let fraction = current.min(total) as f64 / total as f64;
            scope.overall.advance(&self.inner.emitter, scope.offset + scope.weight * fraction);
        }
    }

    /// Reports the progress of one category (`"train"`, `"upload"`, …).
    pub fn set_category_progress(&self, category: &str, current: u64, total: u64) {
        self.inner.emitter.set_progress(Some(category), current, total);
    }

    /// A handle for one category's progress, for hot loops (no lookup per call).
    pub fn progress(&self, category: &str) -> ProgressHandle {
        self.inner.emitter.progress(Some(category))
    }

    /// Records metric values under `category` (`train`, `validation`, `test`, or your own).
    ///
    /// JSON has no NaN or infinity: [`metrics!`](crate::metrics) turns such a value into
    /// `null`. A metric that is `null` (anywhere in its value) is still recorded, and a warning
    /// naming it and its category follows in the developer log, so it is not lost silently.
    ///
    /// ```
    /// use synapse::prelude::*;
    /// use synapse::EventKind;
    /// use synapse::events::sink::MemorySink;
    /// use std::sync::Arc;
    ///
    /// let memory = Arc::new(MemorySink::new());
    /// let ctx = Context::builder("train").sink(memory.clone()).build();
    /// ctx.set_metrics(metrics! { loss: f64::NAN, epoch: 3 }, "train");
    /// let events = memory.events();
    /// let EventKind::Metrics { values, .. } = &events[0].kind else { panic!() };
    /// assert!(values["loss"].is_null());
    /// let EventKind::LogLine { level, message, .. } = &events[1].kind else { panic!() };
    /// assert_eq!(*level, LogLevel::Warning);
    /// assert_eq!(message, "metric `loss` of `train` is null: a NaN or infinite number has no JSON form");
    /// ```
    pub fn set_metrics(&self, values: impl Into<Metrics>, category: &str) {
        let values = values.into();
        let mut nulls = Vec::new();
        for (name, value) in &values {
            null_paths(value, name.clone(), &mut nulls);
        }
        self.emit(EventKind::Metrics { category: category.to_owned(), values });
        for name in nulls {
            self.logger()
                .warn(format!("metric `{name}` of `{category}` is null: a NaN or infinite number has no JSON form"));
        }
    }

    /// Shows `text` to the user at `level` (`Success` and `Danger` included).
    pub fn log_message(&self, text: impl Into<String>, level: LogLevel) {
        self.emit(EventKind::Message { level, text: text.into() });
    }

    /// Records a developer event, not shown to end users.
    pub fn log_dev_event(&self, message: impl Into<String>, data: impl Serialize) {
        self.emit(EventKind::DevEvent { message: message.into(), data: to_data(data) });
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

    /// The backend client of type `C`, when the executor was given one.
    pub fn client<C: Any + Send + Sync>(&self) -> Option<&C> {
        self.inner.client.as_deref().and_then(|client| client.downcast_ref::<C>())
    }

    /// Emits pending progress and flushes the sinks (executors call this when a run ends).
    pub fn finish(&self) {
        self.inner.emitter.finish();
    }
}

/// The names of the `null`s in the metric `name`: `loss`, `losses[2]`, `per_class.cat`.
fn null_paths(value: &serde_json::Value, name: String, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => out.push(name),
        serde_json::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                null_paths(item, format!("{name}[{i}]"), out);
            }
        }
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                null_paths(item, format!("{name}.{key}"), out);
            }
        }
        _ => {}
    }
}

fn to_data(data: impl Serialize) -> serde_json::Value {
    serde_json::to_value(data).unwrap_or_else(|error| serde_json::json!({ "unserializable": error.to_string() }))
}

/// Builds a [`Context`].
pub struct ContextBuilder {
    action: String,
    plugin: String,
    run_id: Option<RunId>,
    job_id: Option<String>,
    env: PluginEnvironment,
    sinks: Vec<Arc<dyn EventSink>>,
    cancel: Option<CancellationToken>,
    client: Option<Arc<dyn Any + Send + Sync>>,
}

impl ContextBuilder {
    /// The plugin code.
    pub fn plugin(mut self, plugin: impl Into<String>) -> Self {
        self.plugin = plugin.into();
        self
    }

    /// The run id (a random one otherwise).
    pub fn run_id(mut self, run_id: RunId) -> Self {
        self.run_id = Some(run_id);
        self
    }

    /// The job id.
    pub fn job_id(mut self, job_id: Option<String>) -> Self {
        self.job_id = job_id;
        self
    }

    /// The environment.
    pub fn env(mut self, env: PluginEnvironment) -> Self {
        self.env = env;
        self
    }

    /// Adds a sink.
    pub fn sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Adds sinks.
    pub fn sinks(mut self, sinks: impl IntoIterator<Item = Arc<dyn EventSink>>) -> Self {
        self.sinks.extend(sinks);
        self
    }

    /// The cancellation token (a fresh one otherwise).
    pub fn cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The backend client.
    pub fn client(mut self, client: Option<Arc<dyn Any + Send + Sync>>) -> Self {
        self.client = client;
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        let emitter = Emitter::new(self.run_id.unwrap_or_else(RunId::random), self.sinks);
        let action: Arc<str> = Arc::from(self.action);
        Context {
            scope: None,
            inner: Arc::new(Inner {
                logger: Logger::new(emitter.clone(), action.clone()),
                action,
                plugin: self.plugin,
                job_id: self.job_id,
                env: self.env,
                emitter,
                cancel: self.cancel.unwrap_or_default(),
                client: self.client,
                control: RunControl::default(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::sink::MemorySink;

    #[test]
    fn every_null_in_a_metric_is_warned_about_by_name_and_the_metric_is_kept() {
        let memory = Arc::new(MemorySink::new());
        let ctx = Context::builder("train").sink(memory.clone()).build();
        let losses = vec![0.5, f64::INFINITY];
        let per_class = serde_json::json!({"cat": f64::NAN, "dog": 0.1});
        ctx.set_metrics(crate::metrics! { losses: losses, per_class: per_class, epoch: 2 }, "validation");
        ctx.set_metrics(crate::metrics! { loss: 0.25 }, "train");
        let events = memory.events();
        let EventKind::Metrics { values, .. } = &events[0].kind else { panic!("{:?}", events[0]) };
        assert_eq!(values["losses"], serde_json::json!([0.5, null]));
        let warnings: Vec<&str> = events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::LogLine { level: LogLevel::Warning, message, .. } => Some(message.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(
            warnings,
            [
                "metric `losses[1]` of `validation` is null: a NaN or infinite number has no JSON form",
                "metric `per_class.cat` of `validation` is null: a NaN or infinite number has no JSON form",
            ]
        );
        assert_eq!(events.len(), 4, "two metrics events and two warnings");
    }
}
