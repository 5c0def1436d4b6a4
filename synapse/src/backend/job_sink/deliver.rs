//! The sink's thread: what is due goes to the backend, failures are retried with backoff, and
//! at the end what could not be delivered is counted and said.

use super::{Shared, State, lock};
use crate::backend::{BackendError, JobStatus, JobUpdate, LogEntry};
use crate::events::LogLevel;
use serde_json::json;
use std::sync::{Arc, PoisonError};
use std::time::{Duration, Instant, SystemTime};

/// The sink's thread: delivers what is due until the sink closes, then everything left (until
/// the finish timeout), the final status, and what could not be delivered.
pub(super) fn deliver(shared: &Arc<Shared>) {
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
        let ok = runtime.block_on(pass(shared, flushing, &mut last_record, None));
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
        let ok = runtime.block_on(pass(shared, true, &mut last_record, Some(deadline)));
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
/// failed (the rest waits for the next pass). After the run's end, its PATCHes wait no longer
/// than `deadline`.
async fn pass(shared: &Shared, flushing: bool, last_record: &mut Instant, deadline: Option<Instant>) -> bool {
    let limits = shared.limits;
    let running = std::mem::take(&mut lock(shared).running);
    if running {
        let update = JobUpdate { status: Some(JobStatus::Running), ..JobUpdate::default() };
        if let Err(error) = patch(shared, &update, deadline).await {
            if !error.is_transient() {
                refused(shared, "its status RUNNING", &error);
            } else {
                lock(shared).running = true;
                return failed(shared, &error);
            }
        }
    }
    // Entries: while a full batch waits, or the oldest waited long enough, or at a flush.
    loop {
        let batch = {
            let mut state = lock(shared);
            let due = state.logs.len() >= limits.batch_trigger
                || state.oldest.is_some_and(|oldest| oldest.elapsed() >= limits.log_interval)
                || (flushing && !state.logs.is_empty());
            if !due || state.logs.is_empty() {
                break;
            }
            let batch = state.logs.take(limits.batch);
            if state.logs.is_empty() {
                state.oldest = None;
            }
            batch
        };
        match shared.client.create_logs(&batch.entries).await {
            Ok(()) => {}
            Err(BackendError::ResponseLost { .. }) => lock(shared).loss.unconfirmed += batch.entries.len() as u64,
            Err(error) if error.is_transient() => {
                // Back to the front, in order; the oldest beyond the bound are dropped.
                let mut state = lock(shared);
                state.loss.dropped += state.logs.put_back(batch, limits.queue_bytes);
                state.oldest.get_or_insert_with(Instant::now);
                drop(state);
                return failed(shared, &error);
            }
            Err(error) => {
                lock(shared).loss.rejected += batch.entries.len() as u64;
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
        if let Err(error) = patch(shared, &update, deadline).await {
            if !error.is_transient() {
                refused(shared, "its progress and metrics records", &error);
            } else {
                lock(shared).snapshot.dirty = true;
                return failed(shared, &error);
            }
        }
    }
    true
}

/// `PATCH jobs/{id}/` with `update`; with a `deadline` (the run has ended), an answer that has
/// not come by then counts as lost, so that the end of a run waits no longer than its finish
/// timeout whatever the client's own request timeout.
async fn patch(shared: &Shared, update: &JobUpdate, deadline: Option<Instant>) -> Result<(), BackendError> {
    let call = shared.client.update_job(shared.job.clone(), update);
    let Some(deadline) = deadline else { return call.await.map(drop) };
    match tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), call).await {
        Ok(answer) => answer.map(drop),
        Err(_) => Err(BackendError::ResponseLost {
            method: "PATCH".to_owned(),
            path: format!("jobs/{}/", shared.job),
            reason: "no answer within the run's finish timeout".to_owned(),
        }),
    }
}

/// An update the backend refused (4xx): counted, said on stderr the first time, never sent
/// again (the same request would be refused the same way).
fn refused(shared: &Shared, what: &str, error: &BackendError) {
    let mut state = lock(shared);
    state.loss.updates += 1;
    if !std::mem::replace(&mut state.refusal_said, true) {
        drop(state);
        eprintln!("warning: job {}: the backend refused {what}: {error}", shared.job);
    }
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
        state.loss.unsent += state.logs.clear();
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
            match patch(shared, &update, Some(deadline)).await {
                Ok(()) => break,
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
        "warning: job {}: not everything reached the backend: log entries {} dropped, {} unconfirmed, {} rejected, \
         {} unsent; {} job updates (status or records) not delivered",
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
