//! What a step works with: the workflow's shared state and the run's context, scoped to the
//! step.

use crate::context::{Context, Logger, PluginEnvironment};
use crate::error::Result;
use crate::events::{AttachmentError, LogLevel, Metrics};
use serde::Serialize;
use std::ops::{Deref, DerefMut};
use std::path::Path;

/// A step's view of the run: the shared state `C` (through `Deref`), and the run's
/// [`Context`] scoped to this step, so progress, logs and metrics are tagged with the step
/// automatically and the step's progress moves the workflow's overall progress.
pub struct StepCx<'a, C> {
    state: &'a mut C,
    ctx: Context,
    output: Option<serde_json::Value>,
}

impl<'a, C> StepCx<'a, C> {
    pub(crate) fn new(state: &'a mut C, ctx: Context) -> Self {
        StepCx { state, ctx, output: None }
    }

    /// Records the step's output data: it is kept in the step's [`StepResult`](super::StepResult)
    /// (for callers of the workflow) and sent with its `step_completed` event.
    pub fn set_output(&mut self, output: impl Serialize) {
        self.output = Some(
            serde_json::to_value(output)
                .unwrap_or_else(|error| serde_json::json!({ "unserializable": error.to_string() })),
        );
    }

    pub(crate) fn take_output(&mut self) -> Option<serde_json::Value> {
        self.output.take()
    }

    /// The run's context, scoped to this step.
    pub fn ctx(&self) -> &Context {
        &self.ctx
    }

    /// The shared state.
    pub fn state(&mut self) -> &mut C {
        self.state
    }

    /// The name of the running step.
    pub fn step(&self) -> &str {
        self.ctx.step().unwrap_or_default()
    }

    /// The step's own progress: `current` of `total`; the overall progress follows from it.
    #[inline]
    pub fn set_progress(&self, current: u64, total: u64) {
        self.ctx.set_progress(current, total);
    }

    /// Records a structured event, tagged with the step.
    pub fn log(&self, event: &str, data: impl Serialize) {
        self.ctx.log(event, data);
    }

    /// Records metric values, tagged with the step.
    pub fn set_metrics(&self, values: impl Into<Metrics>, category: &str) {
        self.ctx.set_metrics(values, category);
    }

    /// Records one metric value (a `metric` event), tagged with the step: see
    /// [`Context::log_metric`].
    pub fn log_metric(
        &self,
        category: &str,
        key: &str,
        value: impl Into<serde_json::Value>,
        metrics: impl Into<Metrics>,
    ) {
        self.ctx.log_metric(category, key, value, metrics);
    }

    /// Reports the metrics of one epoch (a `metric` event and the job's metrics record),
    /// tagged with the step: see [`Context::report_metrics`].
    pub fn report_metrics(&self, category: &str, epoch: u64, metrics: impl Into<Metrics>) {
        self.ctx.report_metrics(category, epoch, metrics);
    }

    /// Records an image (a `visualization` event with the image as its file), tagged with the
    /// step: see [`Context::log_visualization`].
    ///
    /// # Errors
    /// [`AttachmentError`] naming the file when it cannot be read or is no image.
    pub fn log_visualization(
        &self,
        category: &str,
        group: &str,
        index: u64,
        image: impl AsRef<Path>,
        meta: impl Into<Metrics>,
    ) -> Result<(), AttachmentError> {
        self.ctx.log_visualization(category, group, index, image, meta)
    }

    /// Records a structured event with a file, tagged with the step: see
    /// [`Context::log_with_file`].
    ///
    /// # Errors
    /// [`AttachmentError`] naming the file when it cannot be read.
    pub fn log_with_file(
        &self,
        event: &str,
        data: impl Serialize,
        path: impl AsRef<Path>,
    ) -> Result<(), AttachmentError> {
        self.ctx.log_with_file(event, data, path)
    }

    /// Shows a message to the user, tagged with the step.
    pub fn log_message(&self, text: impl Into<String>, level: LogLevel) {
        self.ctx.log_message(text, level);
    }

    /// Shows the message `code` to the user in the run's language, tagged with the step
    /// ([`Context::log_message_code`]).
    pub fn log_message_code(&self, code: &impl crate::events::MessageCode) {
        self.ctx.log_message_code(code);
    }

    /// The developer logger, tagged with the step.
    pub fn logger(&self) -> &Logger {
        self.ctx.logger()
    }

    /// The plugin environment.
    pub fn env(&self) -> &PluginEnvironment {
        self.ctx.env()
    }

    /// True once the run was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.ctx.is_cancelled()
    }

    /// `Err(Cancelled)` once the run was asked to stop.
    pub fn check_cancelled(&self) -> Result<()> {
        self.ctx.check_cancelled()
    }

    /// Runs blocking work on tokio's blocking pool, tracked for the run: before this step is
    /// rolled back, the workflow waits for it to end (see [`Context::spawn_blocking`]).
    pub fn spawn_blocking<F, R>(&self, work: F) -> tokio::task::JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.ctx.spawn_blocking(work)
    }
}

impl<C> Deref for StepCx<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.state
    }
}

impl<C> DerefMut for StepCx<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.state
    }
}
