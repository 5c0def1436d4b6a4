//! The resident worker: the plugin binary serving runs over HTTP, started once as a
//! long-running Ray job (task mode) so each later run starts in milliseconds.
//!
//! The worker binds the address it is told (task mode tells it `node:0`: its node's address,
//! see [`ListenAddress`](crate::executor::ListenAddress)), announces it on stdout as a
//! marked line ([`WORKER_LINE_MARKER`]) that the executor finds in the job's log, and refuses
//! every request that lacks its secret token. Runs are served one at a time; each response
//! streams the run's events as JSON lines, the last one the result or error. A client that goes
//! away cancels its run.

use crate::events::{Event, EventSink, RunId};
use crate::executor::{LocalExecutor, RunError, RunOptions};
use crate::registry::registry;
use axum::body::Body;
use axum::extract::{Json, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc};
use tokio_util::sync::CancellationToken;

/// Prefix of the line a worker prints once it listens: `@synapse-worker {"addr": "…", …}`.
pub const WORKER_LINE_MARKER: &str = "@synapse-worker ";

/// The environment variable holding the worker's secret token.
pub const WORKER_TOKEN_VAR: &str = "SYNAPSE_WORKER_TOKEN";

/// What a worker announces when it listens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkerAnnouncement {
    /// The address it serves on.
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    /// The plugin it runs.
    pub plugin: String,
}

/// A request to run an action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRequest {
    /// The action.
    pub action: String,
    /// Its params.
    pub params: Value,
    /// The run id its events carry.
    pub run_id: String,
    /// The job id to tag the run with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// How long the action may take to stop once cancelled, in milliseconds (default: the
    /// worker's, [`CANCEL_GRACE`](crate::context::CANCEL_GRACE)).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grace_ms: Option<u64>,
}

struct WorkerState {
    token: String,
    plugin: String,
    /// Held while a run is in flight: runs are served one at a time.
    serial: Mutex<()>,
    /// Cancelled when the worker is told to stop: every run in flight is cancelled with it.
    stopping: CancellationToken,
    /// The runs accepted and not yet ended, by run id, with their cancellation tokens.
    runs: std::sync::Mutex<std::collections::HashMap<String, CancellationToken>>,
}

/// A request to cancel a run: `POST /cancel`. The run stops as it would locally (a workflow
/// rolls back), and its response streams its events to their end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CancelRequest {
    /// The run to cancel.
    pub run_id: String,
}

/// Serves runs on `bind` until `stop` is cancelled (the plugin CLI cancels it on SIGTERM, which
/// is how Ray stops the worker's job); prints the announcement line first. Stopping cancels the
/// run in flight (its workflow rolls back) and ends once its outcome has been sent.
pub async fn serve(bind: SocketAddr, token: String, stop: CancellationToken) -> Result<(), RunError> {
    let registry = registry()?;
    let plugin = registry.plugin().code;
    if token.len() < 16 {
        return Err(RunError::Infrastructure(format!(
            "the worker token (in {WORKER_TOKEN_VAR}) must be at least 16 characters long"
        )));
    }
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|error| RunError::Infrastructure(format!("the worker cannot listen on {bind}: {error}")))?;
    let addr = listener
        .local_addr()
        .map_err(|error| RunError::Infrastructure(format!("the worker's listening address is unknown: {error}")))?;
    let state = Arc::new(WorkerState {
        token,
        plugin: plugin.clone(),
        serial: Mutex::new(()),
        stopping: stop.clone(),
        runs: Default::default(),
    });
    let app = axum::Router::new()
        .route("/health", get(health))
        .route("/run", post(run))
        .route("/cancel", post(cancel_run))
        .with_state(state);
    let announcement = WorkerAnnouncement { addr, pid: std::process::id(), plugin };
    println!("{WORKER_LINE_MARKER}{}", serde_json::to_string(&announcement).unwrap_or_default());
    // Events are small writes streamed as they happen: no Nagle delay on them.
    let listener = axum::serve::ListenerExt::tap_io(listener, |stream: &mut tokio::net::TcpStream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
        .map_err(|error| RunError::Infrastructure(format!("the worker on {addr} stopped serving: {error}")))
}

fn authorized(state: &WorkerState, headers: &HeaderMap) -> bool {
    let expected = format!("Bearer {}", state.token);
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
}

/// Compares without leaking, through timing, how much of a guess was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refuse() -> Response {
    (StatusCode::UNAUTHORIZED, "missing or wrong worker token\n").into_response()
}

async fn health(State(state): State<Arc<WorkerState>>, headers: HeaderMap) -> Response {
    if !authorized(&state, &headers) {
        return refuse();
    }
    let busy = state.serial.try_lock().is_err();
    Json(serde_json::json!({ "plugin": state.plugin, "busy": busy, "pid": std::process::id() })).into_response()
}

/// Sends each event, as a JSON line, into the response body.
struct ChannelSink(mpsc::UnboundedSender<Result<String, std::convert::Infallible>>);

impl EventSink for ChannelSink {
    fn emit(&self, event: &Event) {
        if let Ok(mut line) = serde_json::to_string(event) {
            line.push('\n');
            let _ = self.0.send(Ok(line));
        }
    }
}

async fn run(State(state): State<Arc<WorkerState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorized(&state, &headers) {
        return refuse();
    }
    let request: RunRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("not a run request: {error}\n")).into_response(),
    };
    let (sender, receiver) = mpsc::unbounded_channel();
    if state.stopping.is_cancelled() {
        return (StatusCode::SERVICE_UNAVAILABLE, "the worker is stopping\n").into_response();
    }
    let cancel = state.stopping.child_token();
    state.lock_runs().insert(request.run_id.clone(), cancel.clone());
    let closed = sender.clone();
    let watch = cancel.clone();
    // A client that goes away (its response dropped) cancels the run; once the run is over the
    // watcher lets go of its sender, so the response ends.
    tokio::spawn(async move {
        tokio::select! {
            () = closed.closed() => watch.cancel(),
            () = watch.cancelled() => {}
        }
    });
    tokio::spawn(async move {
        let _serial = state.serial.lock().await;
        let sink: Arc<dyn EventSink> = Arc::new(ChannelSink(sender));
        let _listed = Listed { state: state.clone(), run_id: request.run_id.clone() };
        let run_id = RunId::from(request.run_id);
        let options = RunOptions {
            job_id: request.job_id,
            sinks: vec![sink.clone()],
            cancel: Some(cancel.clone()),
            action_thread: true,
            grace: request.grace_ms.map(std::time::Duration::from_millis),
            ..RunOptions::default()
        };
        // A run with a backend job reports itself to it from here, where it runs.
        #[cfg(feature = "backend")]
        let options = options.report_to_job().await;
        #[cfg(not(feature = "backend"))]
        let options = Ok::<_, RunError>(options);
        let resolved = registry().map_err(RunError::from).and_then(|registry| {
            let descriptor = crate::executor::lookup(registry, &request.action)?;
            Ok((registry, descriptor, options?))
        });
        match resolved {
            Ok((registry, descriptor, options)) => {
                let executor = LocalExecutor::from_options(options);
                // The executor sends the terminal event itself.
                let plugin = registry.plugin_code_of(descriptor);
                let outcome =
                    executor.run_resolved(plugin, descriptor, request.params, run_id, &[], cancel.child_token()).await;
                if let Err(error) = outcome
                    && error.was_abandoned()
                {
                    // The action's thread ignores its cancellation and still runs: nothing of a
                    // run may outlive it, so this worker ends (once the response is out) and
                    // the next run starts a new one.
                    drop(executor);
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                    eprintln!("the worker exits: run `{}` could not be stopped", request.action);
                    std::process::exit(1);
                }
            }
            Err(error) => {
                let emitter = crate::events::Emitter::new(run_id, vec![sink]);
                emitter.emit(crate::events::EventKind::Error { error: error.report() });
                emitter.finish();
            }
        }
        cancel.cancel();
    });
    let body = Body::from_stream(tokio_stream_from(receiver));
    Response::builder()
        .header(header::CONTENT_TYPE, "application/x-ndjson")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

impl WorkerState {
    fn lock_runs(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, CancellationToken>> {
        self.runs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A run listed as cancellable while this lives.
struct Listed {
    state: Arc<WorkerState>,
    run_id: String,
}

impl Drop for Listed {
    fn drop(&mut self) {
        self.state.lock_runs().remove(&self.run_id);
    }
}

async fn cancel_run(State(state): State<Arc<WorkerState>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorized(&state, &headers) {
        return refuse();
    }
    let request: CancelRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(error) => return (StatusCode::BAD_REQUEST, format!("not a cancel request: {error}\n")).into_response(),
    };
    match state.lock_runs().get(&request.run_id) {
        Some(cancel) => {
            cancel.cancel();
            StatusCode::ACCEPTED.into_response()
        }
        None => (StatusCode::NOT_FOUND, format!("no run `{}` here\n", request.run_id)).into_response(),
    }
}

/// The receiver as a stream of body chunks.
fn tokio_stream_from(
    mut receiver: mpsc::UnboundedReceiver<Result<String, std::convert::Infallible>>,
) -> impl futures_util::Stream<Item = Result<String, std::convert::Infallible>> {
    futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx))
}
