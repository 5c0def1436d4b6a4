//! [`JobSink`]: the job contract — a run that has a backend job reports itself to it, as the
//! Python SDK's entrypoint and `JobLogger` do (`synapse_sdk/plugins/entrypoint.py`,
//! `synapse_sdk/loggers.py`):
//!
//! - status `RUNNING` when the run starts; at its end `SUCCEEDED` with the result, `FAILED`
//!   with the error, or `STOPPED` when it was cancelled, with the final progress record;
//! - its log lines, messages and events as entries of `POST logs/`, batched (at most
//!   [`JobSinkLimits::batch`] per request, sent when that many wait or
//!   [`JobSinkLimits::log_interval`] passed); an entry with a file (a visualization's image, as
//!   a `data:` URI) goes in a request of its own;
//! - its progress and metrics as records coalesced into at most one `PATCH jobs/{id}/` per
//!   [`JobSinkLimits::record_interval`]; the last state is always delivered.
//!
//! The action never waits on the network: [`EventSink::emit`] only updates memory (at most
//! [`JobSinkLimits::queue_bytes`] of entries wait; beyond that the oldest are dropped and
//! counted), and
//! a thread of the sink's own delivers. A backend that fails is retried with backoff until the
//! run ends; what could not be delivered then is counted by kind, reported in the job (a
//! `joblog_loss` entry and the final PATCH's `meta.joblog_loss`) and on stderr — nothing is lost
//! silently. A POST whose response was lost is not sent again (the backend may have stored it):
//! its entries count as unconfirmed.

mod deliver;
mod queue;
mod record;

use super::{BackendClient, JobId, JobUpdate};
use crate::events::{Event, EventKind, EventSink};
use queue::Queue;
use record::Snapshot;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The bounds of a [`JobSink`]. The batching defaults are the Python SDK's `JobLogger`'s; the
/// queue is bounded by memory instead of its 2,000 entries (where the logger makes the action
/// wait for the network, the sink never does, so it holds more: a 10 s outage at 500 entries
/// a second loses nothing).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobSinkLimits {
    /// Entries per `POST logs/` at most (default 1,000), and the number that, waiting, sends
    /// them at once (default 200: [`batch_trigger`](Self::batch_trigger)).
    pub batch: usize,
    /// Entries waiting that send a batch at once (default 200).
    pub batch_trigger: usize,
    /// The memory waiting entries may take, in bytes, estimated from their contents (default
    /// 32 MiB: about 100,000 entries of a few small fields); beyond it the oldest are dropped
    /// and counted. A file counts by its `data:` URI (4/3 of its bytes); an entry larger than
    /// the whole bound is not sent, but counted as dropped and said on stderr.
    pub queue_bytes: usize,
    /// The longest an entry waits to be sent (default 2 s).
    pub log_interval: Duration,
    /// The least time between two record PATCHes (default 1 s).
    pub record_interval: Duration,
    /// How long the end of a run may wait for what is still undelivered (default 30 s; a
    /// request in flight then still ends at the client's own timeout).
    pub finish_timeout: Duration,
}

impl Default for JobSinkLimits {
    fn default() -> Self {
        JobSinkLimits {
            batch: 1000,
            batch_trigger: 200,
            queue_bytes: 32 * 1024 * 1024,
            log_interval: Duration::from_secs(2),
            record_interval: Duration::from_secs(1),
            finish_timeout: Duration::from_secs(30),
        }
    }
}

/// What a [`JobSink`] could not deliver, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobLoss {
    /// Entries dropped because too many waited, or because one alone was larger than
    /// [`JobSinkLimits::queue_bytes`].
    pub dropped: u64,
    /// Entries sent whose response was lost (the backend may have stored them).
    pub unconfirmed: u64,
    /// Entries the backend refused (4xx).
    pub rejected: u64,
    /// Entries still undelivered when the run ended.
    pub unsent: u64,
    /// Record and status updates that could not be delivered.
    pub updates: u64,
}

impl JobLoss {
    /// Whether everything arrived.
    pub fn is_empty(&self) -> bool {
        *self == JobLoss::default()
    }
}

/// Reports a run to its backend job (see the module's documentation). One sink reports one run:
/// after the run's end (its result or error, then the flush that ends every run) it takes no
/// more events.
///
/// ```no_run
/// # fn demo(client: synapse::backend::BackendClient) {
/// use synapse::backend::JobSink;
/// use synapse::executor::RunOptions;
/// use std::sync::Arc;
/// let job = Arc::new(JobSink::new(client, 42));
/// let options = RunOptions::default().job_id("42").sink(job.clone());
/// // … run; at its end:
/// assert!(job.loss().is_empty());
/// # }
/// ```
pub struct JobSink {
    shared: Arc<Shared>,
    worker: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct Shared {
    client: BackendClient,
    job: JobId,
    limits: JobSinkLimits,
    state: Mutex<State>,
    /// Wakes the worker (new work, flush) and the flusher (delivered).
    wake: Condvar,
}

#[derive(Default)]
struct State {
    logs: Queue,
    oldest: Option<Instant>,
    snapshot: Snapshot,
    started: Option<Instant>,
    /// `RUNNING` to send.
    running: bool,
    /// The final PATCH to send, once the run ended.
    terminal: Option<JobUpdate>,
    /// The worker is done: everything it could deliver was.
    closed: bool,
    /// When the end of the run must be over: set when the sink closes, its finish timeout on.
    deadline: Option<Instant>,
    /// A refused update was said on stderr (once is enough).
    refusal_said: bool,
    /// Flushes asked for / completed.
    flushes_asked: u64,
    flushes_done: u64,
    loss: JobLoss,
}

impl JobSink {
    /// A sink reporting to job `job` through `client`, with the default limits.
    pub fn new(client: BackendClient, job: impl Into<JobId>) -> Self {
        JobSink::with_limits(client, job, JobSinkLimits::default())
    }

    /// A sink with other limits.
    pub fn with_limits(client: BackendClient, job: impl Into<JobId>, limits: JobSinkLimits) -> Self {
        // Its thread runs its own runtime: connections the caller's runtime opened are not its.
        let client = client.with_own_connections().unwrap_or(client);
        let shared = Arc::new(Shared {
            client,
            job: job.into(),
            limits,
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let worker_shared = shared.clone();
        let worker = std::thread::Builder::new()
            .name("synapse-job-sink".to_owned())
            .spawn(move || deliver::deliver(&worker_shared))
            .map_err(|error| {
                eprintln!("warning: job {}: the job sink cannot start its thread ({error}): no reports", shared.job)
            })
            .ok();
        if worker.is_none() {
            // Nothing will be delivered: say so at the end, as any loss.
            lock(&shared).closed = true;
        }
        JobSink { shared, worker: Mutex::new(worker) }
    }

    /// The job it reports to.
    pub fn job(&self) -> &JobId {
        &self.shared.job
    }

    /// What could not be delivered so far.
    pub fn loss(&self) -> JobLoss {
        lock(&self.shared).loss
    }
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    shared.state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl EventSink for JobSink {
    fn emit(&self, event: &Event) {
        let limits = self.shared.limits;
        let mut state = lock(&self.shared);
        if state.closed {
            return;
        }
        state.snapshot.apply(event);
        match &event.kind {
            EventKind::Started { .. } => {
                state.started = Some(Instant::now());
                state.running = true;
            }
            EventKind::Result { .. } | EventKind::Error { .. } => {
                let elapsed = state.started.map_or(0.0, |started| started.elapsed().as_secs_f64());
                state.terminal = record::terminal(event, &state.snapshot, elapsed);
            }
            _ => {}
        }
        let mut oversized = None;
        if let Some(entry) = record::log_entry(&self.shared.job, event) {
            let size = queue::entry_size(&entry);
            if size > limits.queue_bytes {
                // It would push out everything else and still wait alone: refused, counted, said.
                state.loss.dropped += 1;
                oversized = Some((entry.event, size));
            } else {
                state.loss.dropped += state.logs.push(entry, limits.queue_bytes);
                state.oldest.get_or_insert_with(Instant::now);
            }
        }
        let urgent = state.logs.len() >= limits.batch_trigger || state.running;
        drop(state);
        if let Some((name, size)) = oversized {
            eprintln!(
                "warning: job {}: the log entry `{name}` takes {size} bytes, more than the job sink's whole queue \
                 ({} bytes): it is not sent (counted as dropped)",
                self.shared.job, limits.queue_bytes
            );
        }
        if urgent {
            self.shared.wake.notify_all();
        }
    }

    /// Delivers everything emitted so far, waiting at most [`JobSinkLimits::finish_timeout`].
    /// After the run's last event (its result or error) this is the end: the rest is
    /// delivered, the job gets its final status, and what could not be delivered is said.
    ///
    /// It blocks its thread while it waits; on a thread of a multi-threaded tokio runtime it
    /// tells the runtime first ([`tokio::task::block_in_place`]), so that the runtime's other
    /// tasks go on meanwhile.
    fn flush(&self) {
        outside_the_runtime(|| self.wait_delivered());
    }
}

/// Runs `wait`, which blocks its thread, without stalling the tokio runtime this thread may be
/// a worker of.
fn outside_the_runtime<R>(wait: impl FnOnce() -> R) -> R {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(wait)
        }
        _ => wait(),
    }
}

impl JobSink {
    /// [`flush`](EventSink::flush)'s wait.
    fn wait_delivered(&self) {
        let mut state = lock(&self.shared);
        if state.terminal.is_some() || state.closed {
            drop(state);
            self.close();
            return;
        }
        state.flushes_asked += 1;
        let ticket = state.flushes_asked;
        self.shared.wake.notify_all();
        let deadline = Instant::now() + self.shared.limits.finish_timeout;
        while state.flushes_done < ticket && !state.closed {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            state = self.shared.wake.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

impl JobSink {
    /// Closes the sink and waits for its thread to deliver what is left (bounded by
    /// [`JobSinkLimits::finish_timeout`]).
    fn close(&self) {
        let mut state = lock(&self.shared);
        state.closed = true;
        state.deadline.get_or_insert_with(|| Instant::now() + self.shared.limits.finish_timeout);
        drop(state);
        self.shared.wake.notify_all();
        if let Some(worker) = self.worker.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = worker.join();
        }
    }
}

impl Drop for JobSink {
    fn drop(&mut self) {
        outside_the_runtime(|| self.close());
    }
}
