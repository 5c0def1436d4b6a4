//! The one contract every executor keeps: [`Executor::run`] does the mode's own work, and
//! [`Executor::start`] — written once, here — turns it into a run with a handle: its events as
//! they happen, a way to cancel it, its outcome, and exactly one terminal event on its stream
//! whatever fails and wherever (the [`TerminalGuard`] is put here, and only here).
//!
//! The executors of this crate implement it ([`LocalExecutor`](super::LocalExecutor),
//! [`ProcessExecutor`](super::ProcessExecutor), [`RayJobExecutor`](super::ray::RayJobExecutor),
//! [`RayTaskExecutor`](super::ray::RayTaskExecutor)); so does any executor to come.

use super::{ExecutionMode, RunError};
use crate::action::ActionDescriptor;
use crate::events::{Event, EventSink, RunId, TerminalGuard};
use futures_util::future::BoxFuture;
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Which action a run runs.
#[derive(Clone, Copy, Debug)]
pub enum ActionRef<'a> {
    /// By name: a local run looks it up in the registry, a remote one sends the name.
    Named(&'a str),
    /// An action already resolved (once, by the caller): a local run uses it as it is, without
    /// the registry (`MyAction::descriptor()`, from [`RegisteredAction`](crate::action::RegisteredAction)).
    Resolved(&'static ActionDescriptor),
}

impl ActionRef<'_> {
    /// The action's name.
    pub fn name(&self) -> &str {
        match self {
            ActionRef::Named(name) => name,
            ActionRef::Resolved(descriptor) => descriptor.name(),
        }
    }
}

impl<'a> From<&'a str> for ActionRef<'a> {
    fn from(name: &'a str) -> Self {
        ActionRef::Named(name)
    }
}

impl From<&'static ActionDescriptor> for ActionRef<'_> {
    fn from(descriptor: &'static ActionDescriptor) -> Self {
        ActionRef::Resolved(descriptor)
    }
}

/// One run: what it runs, under which id, where its events go besides the executor's own
/// sinks, and what cancels it.
///
/// ```
/// use synapse::executor::RunRequest;
/// let request = RunRequest::new("process", serde_json::json!({"input_path": "a"}));
/// assert_eq!(request.action, "process");
/// assert!(request.sinks.is_empty() && !request.cancel.is_cancelled());
/// ```
pub struct RunRequest {
    /// The action, by name.
    pub action: String,
    /// The action resolved, when the caller has it (a local run then skips the registry).
    pub resolved: Option<&'static ActionDescriptor>,
    /// Its params (validated against the action's schema by the run, wherever it runs).
    pub params: Value,
    /// The run id its events carry.
    pub run_id: RunId,
    /// Where its events go, besides the executor's own sinks.
    pub sinks: Vec<Arc<dyn EventSink>>,
    /// Cancels it: the action sees the token, a workflow rolls back, a remote run is asked to
    /// stop.
    pub cancel: CancellationToken,
}

impl RunRequest {
    /// A run of `action` with `params`, a fresh run id, no sinks of its own and a fresh token.
    pub fn new<'a>(action: impl Into<ActionRef<'a>>, params: Value) -> Self {
        let (action, resolved) = match action.into() {
            ActionRef::Named(name) => (name.to_owned(), None),
            ActionRef::Resolved(descriptor) => (descriptor.name().to_owned(), Some(descriptor)),
        };
        RunRequest {
            action,
            resolved,
            params,
            run_id: RunId::random(),
            sinks: Vec::new(),
            cancel: CancellationToken::new(),
        }
    }

    /// Under the run id `run_id`.
    pub fn with_run_id(mut self, run_id: RunId) -> Self {
        self.run_id = run_id;
        self
    }

    /// Sends the run's events to `sink` too.
    pub fn with_sink(mut self, sink: Arc<dyn EventSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Cancelled by `token`.
    pub fn with_cancellation(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    /// The action, as the request names it.
    pub fn action_ref(&self) -> ActionRef<'_> {
        match self.resolved {
            Some(descriptor) => ActionRef::Resolved(descriptor),
            None => ActionRef::Named(&self.action),
        }
    }
}

/// Where and how actions run: in this process, a child process, on Ray, or anywhere a new
/// executor takes them. An implementation writes [`run`](Self::run); [`start`](Self::start) and
/// [`run_to_end`](Self::run_to_end) are the same for every executor.
///
/// ```
/// use synapse::prelude::*;
/// use synapse::LocalExecutor;
/// use synapse::executor::{Executor, RunRequest};
/// use std::sync::Arc;
///
/// #[action]
/// async fn double(params: DoubleParams) -> Result<Value> {
///     Ok(json!({ "twice": params.n * 2 }))
/// }
/// #[params]
/// pub struct DoubleParams { pub n: i64 }
///
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
/// # rt.block_on(async {
/// let executor: Arc<dyn Executor> = Arc::new(LocalExecutor::new());
/// let mut run = executor.start(RunRequest::new("double", json!({"n": 21})));
/// let first = run.next_event().await.unwrap();
/// assert_eq!(first.kind.tag(), "started");
/// assert_eq!(run.wait().await.unwrap()["twice"], 42);
/// # });
/// ```
pub trait Executor: Send + Sync + 'static {
    /// The mode it runs in.
    fn mode(&self) -> ExecutionMode;

    /// Runs `request` to its end: the mode's own work. The run's events go to the executor's
    /// sinks and to `request.sinks`, in order; `request.cancel` stops it. Whether the run ends
    /// its stream with a `result` or `error` event is not this method's concern:
    /// [`start`](Self::start) makes sure there is exactly one.
    fn run(&self, request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>>;

    /// Starts `request` on the current tokio runtime and returns its handle at once (like
    /// `tokio::spawn`, it panics when called outside a runtime).
    ///
    /// The handle sees every event of the run (the ones `request.sinks` see too), ending with
    /// exactly one `result` or `error` event: when the run fails where no event can come from
    /// (a dashboard that does not answer, a child that died), the `error` event is emitted
    /// here, naming what failed and where.
    fn start(self: Arc<Self>, mut request: RunRequest) -> RunHandle {
        let (sender, events) = mpsc::unbounded_channel::<Event>();
        request.sinks.push(Arc::new(move |event: &Event| {
            // A handle dropped before the run ended no longer listens: that is fine.
            let _ = sender.send(event.clone());
        }));
        let run_id = request.run_id.clone();
        let action = request.action.clone();
        let cancel = request.cancel.clone();
        let task = tokio::spawn(async move { self.run_to_end(request).await });
        RunHandle { run_id, action, cancel, events, task }
    }

    /// Runs `request` in place to its end and returns its outcome: [`run`](Self::run), with the
    /// run's stream (`request.sinks`) ending in exactly one `result` or `error` event. The one
    /// place that makes sure of it: [`start`](Self::start) runs this.
    fn run_to_end(&self, mut request: RunRequest) -> BoxFuture<'_, Result<Value, RunError>> {
        if request.sinks.is_empty() {
            // Nobody to tell: the outcome is all there is.
            return self.run(request);
        }
        let guard = TerminalGuard::new(request.run_id.clone(), std::mem::take(&mut request.sinks));
        request.sinks = vec![guard.sink()];
        Box::pin(async move {
            let outcome = self.run(request).await;
            guard.close(&outcome);
            outcome
        })
    }
}

/// A run started with [`Executor::start`]: its id, its events as they happen, a way to cancel
/// it, and its outcome.
pub struct RunHandle {
    run_id: RunId,
    action: String,
    cancel: CancellationToken,
    events: mpsc::UnboundedReceiver<Event>,
    task: tokio::task::JoinHandle<Result<Value, RunError>>,
}

impl RunHandle {
    /// The run's id (as in its events).
    pub fn run_id(&self) -> &RunId {
        &self.run_id
    }

    /// Asks the run to stop: the action's token is cancelled; a workflow rolls back; a remote
    /// run is asked to stop the same way.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// True once the run has ended.
    pub fn is_finished(&self) -> bool {
        self.task.is_finished()
    }

    /// The run's next event, waiting for it; `None` once the run has ended and every event was
    /// taken. The last one is its `result` or `error`.
    pub async fn next_event(&mut self) -> Option<Event> {
        self.events.recv().await
    }

    /// Waits for the run's outcome (the events not taken are dropped).
    pub async fn wait(self) -> Result<Value, RunError> {
        match self.task.await {
            Ok(outcome) => outcome,
            Err(error) => Err(RunError::Panicked {
                action: self.action,
                message: format!("the run's task ended abnormally: {error}"),
                location: None,
            }),
        }
    }
}

/// The token a run sees: `token` (the run's own), also cancelled by `outer` (its executor's)
/// when there is one. Hold the guard for as long as the run lasts: dropping it ends the watch
/// (a watch is a small task waiting for either token).
pub(crate) fn linked(
    outer: Option<&CancellationToken>,
    token: CancellationToken,
) -> (CancellationToken, Option<tokio_util::sync::DropGuard>) {
    let Some(outer) = outer else { return (token, None) };
    let run = outer.child_token();
    let watched = run.clone();
    tokio::spawn(async move {
        tokio::select! {
            () = token.cancelled() => watched.cancel(),
            () = watched.cancelled() => {}
        }
    });
    let guard = run.clone().drop_guard();
    (run, Some(guard))
}
