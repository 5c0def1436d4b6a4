//! Cancellation, timeouts and rollback hold for real code: step bodies that block their
//! thread, background work a step started, retries that leave partial effects behind, a
//! rollback slower than the cancellation grace, and a sync action that never looks at its
//! token.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::LocalExecutor;
use synapse::events::sink::MemorySink;
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse::steps::{FailureKind, WorkflowError};
use synapse::{CancellationToken, EventKind, RunError};

/// The shared state: a folder the steps write into, and what the test wants them to do.
struct Job {
    dir: PathBuf,
    /// How many attempts of `WriteTwice` fail after writing.
    failing_attempts: u32,
    attempts: u32,
    /// How long `SlowUndo`'s rollback takes.
    undo_millis: u64,
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// Writes the same two files on every attempt, recording each, and fails its first attempts
/// after writing; rolls back exactly as the README shows.
#[step(weight = 0.5, retries = 1, backoff = "10ms")]
struct WriteTwice;

impl Step<Job> for WriteTwice {
    type Undo = Vec<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, Job>, written: &mut Vec<PathBuf>) -> Result<()> {
        cx.attempts += 1;
        for name in ["a.txt", "b.txt"] {
            let path = cx.dir.join(name);
            std::fs::write(&path, "x")?;
            written.push(path);
        }
        if cx.attempts <= cx.failing_attempts {
            bail!("attempt {} failed after writing", cx.attempts);
        }
        Ok(())
    }

    async fn rollback(&self, _: &mut StepCx<'_, Job>, written: Vec<PathBuf>) -> Result<()> {
        written.iter().try_for_each(std::fs::remove_file).map_err(Into::into)
    }
}

/// Always fails: the completed steps before it roll back.
#[step(weight = 0.5)]
struct Fails;

impl Step<Job> for Fails {
    type Undo = ();

    async fn execute(&self, _: &mut StepCx<'_, Job>, _: &mut ()) -> Result<()> {
        bail!("the last step fails")
    }
}

#[workflow(context = Job)]
struct RetryWorkflow(WriteTwice, Fails);

fn job(dir: &Path) -> Job {
    Job { dir: dir.to_owned(), failing_attempts: 1, attempts: 0, undo_millis: 0 }
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime")
}

#[test]
fn a_retry_starts_from_a_fresh_undo_record_after_undoing_the_failed_attempt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("retry").sink(memory.clone()).build();
    let mut state = job(dir.path());
    let error = current_thread().block_on(RetryWorkflow::run(&ctx, &mut state)).expect_err("the last step fails");
    assert_eq!(state.attempts, 2, "one retry");
    assert_eq!(error.step, "fails");
    // The failed attempt was undone before the retry (see its events below), and the retry's
    // files when the last step failed: every rollback succeeded (no path was recorded twice)
    // and nothing is left.
    let outcomes: Vec<(&str, bool)> = error.rollbacks.iter().map(|r| (r.step.as_str(), r.error.is_none())).collect();
    assert_eq!(outcomes, [("fails", true), ("write_twice", true)], "{error}");
    assert!(error.fully_rolled_back(), "{error}");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
    let trail: Vec<String> = memory
        .events()
        .iter()
        .filter(|e| e.step.as_deref() == Some("write_twice"))
        .map(|e| e.kind.tag().to_owned())
        .collect();
    assert_eq!(
        trail,
        [
            "step_started",
            "step_failed",
            "rollback_started",
            "rollback_completed",
            "step_completed",
            "rollback_started",
            "rollback_completed"
        ]
    );
}

/// Blocks its thread for 400 ms (a blocking call in an async body), then succeeds.
#[step(weight = 1.0, timeout = "100ms")]
struct BlocksPastItsTimeout;

impl Step<Job> for BlocksPastItsTimeout {
    type Undo = Vec<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, Job>, written: &mut Vec<PathBuf>) -> Result<()> {
        let path = cx.dir.join("partial.txt");
        std::fs::write(&path, "x")?;
        written.push(path);
        std::thread::sleep(Duration::from_millis(400));
        Ok(())
    }

    async fn rollback(&self, _: &mut StepCx<'_, Job>, written: Vec<PathBuf>) -> Result<()> {
        written.iter().try_for_each(std::fs::remove_file).map_err(Into::into)
    }
}

#[workflow(context = Job)]
struct BlockingWorkflow(BlocksPastItsTimeout);

#[test]
fn a_body_that_blocks_past_its_timeout_times_out_and_is_rolled_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = Context::builder("blocking").build();
    let mut state = job(dir.path());
    let error: WorkflowError =
        current_thread().block_on(BlockingWorkflow::run(&ctx, &mut state)).expect_err("timed out");
    assert_eq!(error.kind, FailureKind::TimedOut, "{error}");
    assert_eq!(error.cause.to_string(), "the attempt ran past its 100ms");
    assert!(error.fully_rolled_back(), "{error}");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// Starts a blocking write in the background (recording the file first), then the run is
/// cancelled while the write is still going on.
#[step(weight = 1.0)]
struct WritesInTheBackground;

impl Step<Job> for WritesInTheBackground {
    type Undo = Vec<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, Job>, written: &mut Vec<PathBuf>) -> Result<()> {
        let path = cx.dir.join("late.txt");
        written.push(path.clone());
        let write = cx.spawn_blocking(move || {
            std::thread::sleep(Duration::from_millis(300));
            std::fs::write(path, "written after the step was dropped")
        });
        cx.ctx().cancellation_token().cancel();
        write.await??;
        Ok(())
    }

    async fn rollback(&self, _: &mut StepCx<'_, Job>, written: Vec<PathBuf>) -> Result<()> {
        for path in written.iter().filter(|p| p.exists()) {
            std::fs::remove_file(path)?;
        }
        Ok(())
    }
}

#[workflow(context = Job)]
struct BackgroundWorkflow(WritesInTheBackground);

#[test]
fn a_rollback_waits_for_the_background_work_of_the_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctx = Context::builder("background").build();
    let mut state = job(dir.path());
    let error = current_thread().block_on(BackgroundWorkflow::run(&ctx, &mut state)).expect_err("cancelled");
    assert_eq!(error.kind, FailureKind::Cancelled, "{error}");
    assert!(error.fully_rolled_back(), "{error}");
    // The write ended before the rollback ran, which deleted it; nothing writes afterwards.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// Writes a file and waits forever (until the run is cancelled); its rollback takes
/// `undo_millis`.
#[step(weight = 1.0)]
struct SlowUndo;

impl Step<Job> for SlowUndo {
    type Undo = Vec<PathBuf>;

    async fn execute(&self, cx: &mut StepCx<'_, Job>, written: &mut Vec<PathBuf>) -> Result<()> {
        let path = cx.dir.join("slow.txt");
        std::fs::write(&path, "x")?;
        written.push(path);
        std::future::pending::<()>().await;
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, Job>, written: Vec<PathBuf>) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(cx.undo_millis)).await;
        written.iter().try_for_each(std::fs::remove_file).map_err(Into::into)
    }
}

#[workflow(context = Job)]
struct SlowUndoWorkflow(SlowUndo);

/// Where `slow_undo` writes.
#[params]
pub struct SlowUndoParams {
    /// The folder.
    pub dir: PathBuf,
    /// How long the rollback takes, in milliseconds.
    pub undo_millis: u64,
}

/// Runs [`SlowUndoWorkflow`].
#[action]
async fn slow_undo(params: SlowUndoParams, ctx: &Context) -> Result<Value> {
    let mut state = Job { dir: params.dir, failing_attempts: 0, attempts: 0, undo_millis: params.undo_millis };
    SlowUndoWorkflow::run(ctx, &mut state).await?;
    Ok(json!({}))
}

#[test]
fn a_rollback_slower_than_the_grace_runs_to_completion() {
    let dir = tempfile::tempdir().expect("temp dir");
    let token = CancellationToken::new();
    let executor =
        LocalExecutor::from_options(RunOptions::default().cancel(token.clone()).grace(Duration::from_millis(100)));
    let params = json!({"dir": dir.path(), "undo_millis": 800});
    let error = current_thread().block_on(async {
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            token.cancel();
        });
        let outcome = executor.execute("slow_undo", params).await;
        canceller.await.expect("cancelled");
        outcome.expect_err("cancelled")
    });
    assert_eq!(error.exit_code(), 130, "{error}");
    assert!(!error.was_abandoned(), "the rollback was not cut short: {error}");
    let report = error.report();
    let rollbacks: Vec<(&str, bool)> = report.rollbacks.iter().map(|r| (r.step.as_str(), r.error.is_none())).collect();
    assert_eq!(rollbacks, [("slow_undo", true)], "{error}");
    assert_eq!(listing(dir.path()), Vec::<String>::new());
}

/// Blocks its thread for `millis` and never looks at its token.
#[params]
pub struct SleepParams {
    /// Milliseconds.
    pub millis: u64,
}

/// A sync action that blocks.
#[action]
fn sleep_blocking(params: SleepParams) -> Result<Value> {
    std::thread::sleep(Duration::from_millis(params.millis));
    Ok(json!({}))
}

#[test]
fn a_blocking_action_on_its_own_thread_is_abandoned_after_the_grace() {
    let token = CancellationToken::new();
    let memory = Arc::new(MemorySink::new());
    let executor = LocalExecutor::from_options(
        RunOptions::default()
            .cancel(token.clone())
            .grace(Duration::from_millis(200))
            .action_thread(true)
            .sink(memory.clone()),
    );
    let started = Instant::now();
    // The caller's runtime has one thread, which the action would block if it ran there.
    let error = current_thread().block_on(async {
        let canceller = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            token.cancel();
        });
        let outcome = executor.execute("sleep_blocking", json!({"millis": 10_000})).await;
        canceller.await.expect("cancelled");
        outcome.expect_err("cancelled")
    });
    assert!(started.elapsed() < Duration::from_secs(8), "the run waited for the blocked action");
    assert!(matches!(error, RunError::Cancelled { .. }), "{error}");
    assert!(error.was_abandoned(), "{error}");
    assert!(error.to_string().contains("did not stop within 200ms"), "{error}");
    let last = memory.events().pop().expect("events");
    assert!(matches!(last.kind, EventKind::Error { .. }), "the run ended with its error event");
}
