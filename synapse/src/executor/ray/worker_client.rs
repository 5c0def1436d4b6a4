//! Talking to a resident worker: send a run, stream its events back.

use super::worker::{CancelRequest, RunRequest};
use crate::events::{EventSink, RunId};
use crate::executor::RunError;
use crate::executor::remote::{RemoteStream, Stopping};
use futures_util::StreamExt;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// A connection to one resident worker (see [`worker`](super::worker)).
///
/// ```no_run
/// # async fn demo() -> Result<(), synapse::RunError> {
/// use synapse::executor::ray::worker_client::WorkerClient;
/// let worker = WorkerClient::new("127.0.0.1:40123".parse().unwrap(), "the-secret-token-of-this-worker");
/// let result = worker.run("noop", serde_json::json!({}), synapse::events::RunId::random(), vec![], None).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct WorkerClient {
    addr: SocketAddr,
    token: String,
    http: reqwest::Client,
}

/// What a run is tagged with: its run id (its events carry it) and, optionally, the job id the
/// action sees (`Context::job_id`).
///
/// ```
/// use synapse::events::RunId;
/// use synapse::executor::ray::worker_client::RunTags;
/// let tags = RunTags::from(RunId::from("r-1")).with_job_id(Some("job-7".to_owned()));
/// assert_eq!(tags.job_id.as_deref(), Some("job-7"));
/// ```
#[derive(Clone, Debug)]
pub struct RunTags {
    /// The run id.
    pub run_id: RunId,
    /// The job id.
    pub job_id: Option<String>,
    /// How long the action may take to stop once cancelled (default: the worker's).
    pub grace: Option<Duration>,
}

impl RunTags {
    /// Tags with the given job id.
    pub fn with_job_id(mut self, job_id: Option<String>) -> Self {
        self.job_id = job_id;
        self
    }

    /// The cancellation grace of the run (see [`RunOptions::grace`](crate::executor::RunOptions::grace)).
    pub fn with_grace(mut self, grace: Option<Duration>) -> Self {
        self.grace = grace;
        self
    }
}

impl From<RunId> for RunTags {
    fn from(run_id: RunId) -> Self {
        RunTags { run_id, job_id: None, grace: None }
    }
}

/// Why a request to a worker did not produce an outcome.
#[derive(Debug)]
pub enum WorkerFailure {
    /// The worker could not be reached, or the connection broke mid-run.
    Unreachable(String),
    /// The worker refused the request (e.g. a wrong token).
    Refused(String),
}

impl WorkerClient {
    /// A client for the worker at `addr`, authenticating with `token`.
    pub fn new(addr: SocketAddr, token: impl Into<String>) -> Self {
        #[cfg(feature = "_rustls")]
        crate::storage::install_tls_provider();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()
            .unwrap_or_default();
        WorkerClient { addr, token: token.into(), http }
    }

    /// The worker's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the worker answers (with this token).
    pub async fn healthy(&self) -> bool {
        let url = format!("http://{}/health", self.addr);
        matches!(self.http.get(url).bearer_auth(&self.token).send().await, Ok(response) if response.status().is_success())
    }

    /// Runs `action` on the worker; its events go to `sinks` as they arrive. Cancelling `cancel`
    /// drops the connection, which cancels the run on the worker.
    pub async fn run(
        &self,
        action: &str,
        params: Value,
        run: impl Into<RunTags>,
        sinks: Vec<Arc<dyn EventSink>>,
        cancel: Option<CancellationToken>,
    ) -> Result<Value, RunError> {
        match self.try_run(action, params, run, sinks, cancel).await {
            Ok(outcome) => outcome,
            Err(WorkerFailure::Refused(message)) => Err(RunError::Infrastructure(format!(
                "the worker at {} refused the run of `{action}`: {message}",
                self.addr
            ))),
            Err(WorkerFailure::Unreachable(reason)) => {
                Err(RunError::Lost { action: action.to_owned(), place: format!("worker at {}", self.addr), reason })
            }
        }
    }

    /// Like [`run`](Self::run), telling apart a worker that could not be reached (so callers
    /// can look at why, and restart it).
    pub async fn try_run(
        &self,
        action: &str,
        params: Value,
        run: impl Into<RunTags>,
        sinks: Vec<Arc<dyn EventSink>>,
        cancel: Option<CancellationToken>,
    ) -> Result<Result<Value, RunError>, WorkerFailure> {
        let RunTags { run_id, job_id, grace } = run.into();
        let grace_ms = grace.map(|grace| u64::try_from(grace.as_millis()).unwrap_or(u64::MAX));
        let request = RunRequest { action: action.to_owned(), params, run_id: run_id.to_string(), job_id, grace_ms };
        let url = format!("http://{}/run", self.addr);
        let response = self
            .http
            .post(url)
            .bearer_auth(&self.token)
            .json(&request)
            .send()
            .await
            .map_err(|error| WorkerFailure::Unreachable(describe(&error)))?;
        if !response.status().is_success() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            return Err(WorkerFailure::Refused(format!("{status}: {}", text.trim())));
        }
        let mut stream = RemoteStream::new(action, Some(run_id.clone()), sinks);
        let mut body = response.bytes_stream();
        let cancel = cancel.unwrap_or_default();
        // Once cancelled: the worker is asked to cancel the run, which then ends as it would
        // locally (a workflow rolls back) and streams its events to their end; it is given up
        // on (the connection dropped, which also cancels it) only if it does not stop in time.
        let mut stopping: Option<Stopping> = None;
        let mut last_heard = tokio::time::Instant::now();
        loop {
            let give_up = stopping.as_ref().map(|s| s.give_up_at(&stream, last_heard));
            tokio::select! {
                chunk = body.next() => match chunk {
                    Some(Ok(bytes)) => {
                        stream.push_bytes(&bytes);
                        last_heard = tokio::time::Instant::now();
                    }
                    Some(Err(error)) => {
                        if let Some(outcome) = stream.into_result() {
                            return Ok(outcome);
                        }
                        return Err(WorkerFailure::Unreachable(format!("the connection broke mid-run: {}", describe(&error))));
                    }
                    None => break,
                },
                () = cancel.cancelled(), if stopping.is_none() => {
                    stopping = Some(Stopping::now(grace.unwrap_or(crate::context::CANCEL_GRACE)));
                    let request = CancelRequest { run_id: run_id.to_string() };
                    let url = format!("http://{}/cancel", self.addr);
                    let sent = self.http.post(url).bearer_auth(&self.token).json(&request).send().await;
                    if !matches!(sent, Ok(answer) if answer.status().is_success()) {
                        // The worker cannot be asked: dropping the connection cancels the run.
                        break;
                    }
                }
                () = async {
                    match give_up {
                        Some(at) => tokio::time::sleep_until(at).await,
                        None => std::future::pending().await,
                    }
                } => break,
            }
        }
        if stopping.is_some() && !stream.has_outcome() {
            drop(body);
            stream.drain();
            return Ok(Err(RunError::Cancelled { action: action.to_owned(), detail: None }));
        }
        match stream.into_result() {
            Some(outcome) => Ok(outcome),
            None => Err(WorkerFailure::Unreachable("the worker closed the stream before the run's outcome".into())),
        }
    }
}

fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
