//! [`JobSink`]: the job contract — a run that has a backend job reports itself to it, as the
//! Python SDK's entrypoint and `JobLogger` do (`synapse_sdk/plugins/entrypoint.py`,
//! `synapse_sdk/loggers.py`):
//!
//! - status `RUNNING` when the run starts; at its end `SUCCEEDED` with the result, `FAILED`
//!   with the error, or `STOPPED` when it was cancelled, with the final progress record;
//! - its log lines, messages and events as entries of `POST logs/`, batched (at most
//!   [`JobSinkLimits::batch`] per request, sent when that many wait or
//!   [`JobSinkLimits::log_interval`] passed);
//! - its progress and metrics as records coalesced into at most one `PATCH jobs/{id}/` per
//!   [`JobSinkLimits::record_interval`]; the last state is always delivered.
//!
//! The action never waits on the network: [`EventSink::emit`] only updates memory (at most
//! [`JobSinkLimits::queue`] entries wait; beyond that the oldest are dropped and counted), and
//! a thread of the sink's own delivers. A backend that fails is retried with backoff until the
//! run ends; what could not be delivered then is counted by kind, reported in the job (a
//! `joblog_loss` entry and the final PATCH's `meta.joblog_loss`) and on stderr — nothing is lost
//! silently. A POST whose response was lost is not sent again (the backend may have stored it):
//! its entries count as unconfirmed.

mod record;

use super::{BackendClient, BackendError, JobId, JobUpdate, LogEntry};
use crate::events::{Event, EventKind, EventSink, LogLevel};
use record::Snapshot;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// The bounds of a [`JobSink`]; the defaults are the Python SDK's `JobLogger`'s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobSinkLimits {
    /// Entries per `POST logs/` at most (default 1,000), and the number that, waiting, sends
    /// them at once (default 200: [`batch_trigger`](Self::batch_trigger)).
    pub batch: usize,
    /// Entries waiting that send a batch at once (default 200).
    pub batch_trigger: usize,
    /// Entries that may wait (default 2,000); beyond that the oldest are dropped and counted.
    pub queue: usize,
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
            queue: 2000,
            log_interval: Duration::from_secs(2),
            record_interval: Duration::from_secs(1),
            finish_timeout: Duration::from_secs(30),
        }
    }
}

/// What a [`JobSink`] could not deliver, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct JobLoss {
    /// Entries dropped because too many waited.
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
    logs: VecDeque<LogEntry>,
    oldest: Option<Instant>,
    snapshot: Snapshot,
    started: Option<Instant>,
    /// `RUNNING` to send.
    running: bool,
    /// The final PATCH to send, once the run ended.
    terminal: Option<JobUpdate>,
    /// The worker is done: everything it could deliver was.
    closed: bool,
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
            .spawn(move || deliver(&worker_shared))
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
        if let Some(entry) = record::log_entry(&self.shared.job, event) {
            if state.logs.len() >= limits.queue {
                state.logs.pop_front();
                state.loss.dropped += 1;
            }
            state.logs.push_back(entry);
            state.oldest.get_or_insert_with(Instant::now);
        }
        let urgent = state.logs.len() >= limits.batch_trigger || state.running;
        drop(state);
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
        lock(&self.shared).closed = true;
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

/// The sink's thread: delivers what is due until the sink closes, then everything left (until
/// the finish timeout), the final status, and what could not be delivered.
fn deliver(shared: &Arc<Shared>) {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("warning: job {}: the job sink cannot start its runtime ({error}): no reports", shared.job);
            return;
        }
    };
    let limits = shared.limits;
    let mut last_record = Instant::now().checked_sub(limits.record_interval).unwrap_or_else(Instant::now);
    let mut backoff = Duration::ZERO;
    loop {
        let (closed, ticket) = {
            let mut state = lock(shared);
            if !backoff.is_zero() {
                // After a failure: the whole backoff, unless the sink closes or a flush asks.
                let until = Instant::now() + backoff;
                let asked = state.flushes_asked;
                while !state.closed && state.flushes_asked == asked {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    state = shared.wake.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
                }
            } else if !state.running && state.flushes_asked == state.flushes_done && !state.closed {
                // Idle: until there is work, or the next look at what is due.
                state = shared
                    .wake
                    .wait_timeout(state, Duration::from_millis(100))
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            (state.closed, state.flushes_asked)
        };
        if closed {
            break;
        }
        let flushing = ticket > lock(shared).flushes_done;
        let ok = runtime.block_on(pass(shared, flushing, &mut last_record));
        backoff =
            if ok { Duration::ZERO } else { (backoff * 2).clamp(Duration::from_millis(200), Duration::from_secs(5)) };
        if flushing {
            let mut state = lock(shared);
            if !ok || drained(&state) {
                state.flushes_done = ticket;
            }
            drop(state);
            shared.wake.notify_all();
        }
    }
    // Closed: everything left, retried with backoff until the finish timeout.
    let deadline = Instant::now() + limits.finish_timeout;
    let mut backoff = Duration::from_millis(200);
    loop {
        let ok = runtime.block_on(pass(shared, true, &mut last_record));
        if drained(&lock(shared)) || Instant::now() + backoff >= deadline {
            break;
        }
        if !ok {
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
    }
    runtime.block_on(finish(shared, deadline));
    shared.wake.notify_all();
}

/// Whether nothing waits for delivery.
fn drained(state: &State) -> bool {
    state.logs.is_empty() && !state.snapshot.dirty && !state.running
}

/// One delivery pass: `RUNNING`, the entries due, the records due. False when the backend
/// failed (the rest waits for the next pass).
async fn pass(shared: &Shared, flushing: bool, last_record: &mut Instant) -> bool {
    let limits = shared.limits;
    let running = std::mem::take(&mut lock(shared).running);
    if running {
        let update = JobUpdate { status: Some(super::JobStatus::Running), ..JobUpdate::default() };
        if let Err(error) = shared.client.update_job(shared.job.clone(), &update).await {
            lock(shared).running = true;
            return failed(shared, &error);
        }
    }
    // Entries: while a full batch waits, or the oldest waited long enough, or at a flush.
    loop {
        let batch: Vec<LogEntry> = {
            let mut state = lock(shared);
            let due = state.logs.len() >= limits.batch_trigger
                || state.oldest.is_some_and(|oldest| oldest.elapsed() >= limits.log_interval)
                || (flushing && !state.logs.is_empty());
            if !due || state.logs.is_empty() {
                break;
            }
            let take = state.logs.len().min(limits.batch);
            let batch = state.logs.drain(..take).collect();
            if state.logs.is_empty() {
                state.oldest = None;
            }
            batch
        };
        match shared.client.create_logs(&batch).await {
            Ok(()) => {}
            Err(BackendError::ResponseLost { .. }) => lock(shared).loss.unconfirmed += batch.len() as u64,
            Err(error) if error.is_transient() => {
                // Back to the front, in order; the oldest beyond the bound are dropped.
                let mut state = lock(shared);
                for entry in batch.into_iter().rev() {
                    state.logs.push_front(entry);
                }
                while state.logs.len() > limits.queue {
                    state.logs.pop_front();
                    state.loss.dropped += 1;
                }
                state.oldest.get_or_insert_with(Instant::now);
                drop(state);
                return failed(shared, &error);
            }
            Err(error) => {
                lock(shared).loss.rejected += batch.len() as u64;
                tracing::warn!("job {}: log entries refused: {error}", shared.job);
            }
        }
    }
    // Records: at most one PATCH per interval, the newest state.
    let update = {
        let mut state = lock(shared);
        let due = state.snapshot.dirty && (flushing || last_record.elapsed() >= limits.record_interval);
        if !due || state.terminal.is_some() {
            // The final PATCH carries the last records.
            if state.terminal.is_some() {
                state.snapshot.dirty = false;
            }
            None
        } else {
            state.snapshot.dirty = false;
            Some(state.snapshot.update())
        }
    };
    if let Some(update) = update {
        *last_record = Instant::now();
        if let Err(error) = shared.client.update_job(shared.job.clone(), &update).await {
            lock(shared).snapshot.dirty = true;
            return failed(shared, &error);
        }
    }
    true
}

fn failed(shared: &Shared, error: &BackendError) -> bool {
    tracing::debug!("job {}: the backend failed, retrying: {error}", shared.job);
    false
}

/// The end: what is still undelivered is counted; the final status, when the run ended, is
/// sent (retried until `deadline`) with the loss in `meta.joblog_loss`; any loss is said on
/// stderr and, best effort, as a `joblog_loss` entry of the job.
async fn finish(shared: &Shared, deadline: Instant) {
    let update = {
        let mut state = lock(shared);
        state.loss.unsent += state.logs.len() as u64;
        state.logs.clear();
        if state.snapshot.dirty && state.terminal.is_none() {
            state.loss.updates += 1;
        }
        state.snapshot.dirty = false;
        if std::mem::take(&mut state.running) {
            state.loss.updates += 1;
        }
        state.terminal.take()
    };
    if let Some(mut update) = update {
        let mut backoff = Duration::from_millis(200);
        loop {
            let loss = lock(shared).loss;
            update.meta = (!loss.is_empty()).then(|| json!({"joblog_loss": loss}));
            match shared.client.update_job(shared.job.clone(), &update).await {
                Ok(_) => break,
                Err(error) if error.is_transient() && Instant::now() + backoff < deadline => {
                    tracing::debug!("job {}: its final status failed, retrying: {error}", shared.job);
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
                Err(error) => {
                    lock(shared).loss.updates += 1;
                    eprintln!("warning: job {}: its final status could not be reported: {error}", shared.job);
                    break;
                }
            }
        }
    }
    let loss = lock(shared).loss;
    if loss.is_empty() {
        return;
    }
    eprintln!(
        "warning: job {}: not everything reached the backend: {} dropped, {} unconfirmed, {} refused and {} unsent \
         log entries, {} record or status updates",
        shared.job, loss.dropped, loss.unconfirmed, loss.rejected, loss.unsent, loss.updates
    );
    let entry = LogEntry {
        event: "joblog_loss".to_owned(),
        data: json!(loss),
        datetime: SystemTime::now(),
        job: shared.job.clone(),
        file: None,
        step: None,
        level: Some(LogLevel::Warning),
    };
    let _ = shared.client.create_logs(&[entry]).await;
}
