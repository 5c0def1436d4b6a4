//! Step workflows under failure: an error, a panic, a timeout and a cancellation injected at
//! every position, with the exact rollback order, the files left behind (none), and the progress
//! trace (monotone, weighted, 100 % only on success). Retries and a failing rollback, on steps
//! run from a registry, are tested in `workflow_retries_and_rollbacks.rs`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse::steps::{FailureKind, StepStatus, WorkflowError};
use synapse::{EventKind, events::Event};

/// How a step should fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    Error,
    Panic,
    Cancel,
    Timeout,
}

/// The shared state: where steps write, what they did, and which step should fail how.
struct Files {
    dir: PathBuf,
    trace: Vec<String>,
    fault: Option<(usize, Fault)>,
    skip: Option<usize>,
}

/// Each step writes two files (recording them for undo), reports progress, then fails if told.
async fn write_files(index: usize, cx: &mut StepCx<'_, Files>, written: &mut Vec<PathBuf>) -> Result<()> {
    cx.trace.push(format!("execute:{index}"));
    for part in 0..2 {
        let path = cx.dir.join(format!("step{index}-{part}.txt"));
        std::fs::write(&path, format!("written by step {index}"))?;
        written.push(path);
        cx.set_progress(part + 1, 3);
        if part == 0 && cx.fault == Some((index, Fault::Cancel)) {
            cx.ctx().cancellation_token().cancel();
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    }
    match cx.fault {
        Some((at, Fault::Error)) if at == index => Err(std::io::Error::other(format!("disk full in step {index}")))
            .context(format!("step {index} could not finish"))?,
        Some((at, Fault::Panic)) if at == index => panic!("step {index} exploded"),
        Some((at, Fault::Timeout)) if at == index => tokio::time::sleep(Duration::from_secs(30)).await,
        _ => {}
    }
    cx.set_progress(3, 3);
    Ok(())
}

fn delete_files(index: usize, cx: &mut StepCx<'_, Files>, written: Vec<PathBuf>) -> Result<()> {
    cx.trace.push(format!("rollback:{index}"));
    for path in written {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

macro_rules! file_step {
    ($name:ident, $index:literal, $weight:literal) => {
        #[step(weight = $weight, timeout = "200ms")]
        struct $name;

        impl Step<Files> for $name {
            type Undo = Vec<PathBuf>;

            async fn execute(&self, cx: &mut StepCx<'_, Files>, written: &mut Vec<PathBuf>) -> Result<()> {
                write_files($index, cx, written).await
            }

            fn can_skip(&self, cx: &StepCx<'_, Files>) -> bool {
                cx.skip == Some($index)
            }

            async fn rollback(&self, cx: &mut StepCx<'_, Files>, written: Vec<PathBuf>) -> Result<()> {
                delete_files($index, cx, written)
            }
        }
    };
}

file_step!(Step0, 0, 0.1);
file_step!(Step1, 1, 0.2);
file_step!(Step2, 2, 0.3);
file_step!(Step3, 3, 0.4);

#[workflow(context = Files)]
struct FileWorkflow(Step0, Step1, Step2, Step3);

const STEPS: usize = 4;

struct Outcome {
    result: std::result::Result<synapse::steps::WorkflowReport, WorkflowError>,
    state: Files,
    events: Vec<Event>,
    _dir: tempfile::TempDir,
}

fn run(fault: Option<(usize, Fault)>, skip: Option<usize>) -> Outcome {
    let dir = tempfile::tempdir().expect("temp dir");
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("files").sink(memory.clone()).build();
    let mut state = Files { dir: dir.path().to_owned(), trace: Vec::new(), fault, skip };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let result = rt.block_on(FileWorkflow::run(&ctx, &mut state));
    ctx.finish();
    Outcome { result, state, events: memory.events(), _dir: dir }
}

/// The overall progress trace, in basis points.
fn overall(events: &[Event]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Progress { category: None, current, total: 10_000 } => Some(current),
            _ => None,
        })
        .collect()
}

fn files_left(outcome: &Outcome) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&outcome.state.dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_plan_is_computed_at_compile_time() {
    let plan: Vec<(&str, f64, f64)> = FileWorkflow::PLAN.iter().map(|e| (e.name, e.weight, e.offset)).collect();
    assert_eq!(plan.len(), 4);
    assert_eq!(plan[0], ("step0", 0.1, 0.0));
    assert_eq!(plan[3].0, "step3");
    assert!((plan[3].2 - 0.6).abs() < 1e-12);
}

#[test]
fn success_runs_every_step_and_ends_at_exactly_100_percent() {
    let outcome = run(None, None);
    let report = outcome.result.as_ref().expect("success");
    assert!(report.steps.iter().all(|s| s.status == StepStatus::Completed));
    assert_eq!(outcome.state.trace, ["execute:0", "execute:1", "execute:2", "execute:3"]);
    assert_eq!(files_left(&outcome).len(), 8);
    let progress = overall(&outcome.events);
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "monotone: {progress:?}");
    assert_eq!(progress.last(), Some(&10_000));
    assert_eq!(progress.iter().filter(|p| **p == 10_000).count(), 1);
    // Weighted: step 2 (weight 0.3, starting at 0.3) at 1/3 of its work is at 40 %.
    assert!(progress.contains(&4_000), "{progress:?}");
    // Each step's completion lands exactly on the cumulative weights.
    for boundary in [1_000, 3_000, 6_000] {
        assert!(progress.contains(&boundary), "{boundary} missing from {progress:?}");
    }
    let written = report.step("step1").and_then(|s| s.rollback_data::<Vec<PathBuf>>()).expect("undo data");
    assert_eq!(written.len(), 2);
}

#[test]
fn every_fault_at_every_position_rolls_back_in_reverse_and_leaves_nothing() {
    for fault in [Fault::Error, Fault::Panic, Fault::Cancel, Fault::Timeout] {
        for k in 0..STEPS {
            let outcome = run(Some((k, fault)), None);
            let error = match &outcome.result {
                Ok(_) => panic!("{fault:?} at {k} must fail the workflow"),
                Err(error) => error,
            };
            let what = format!("{fault:?} at step {k}");
            assert_eq!(error.step, format!("step{k}"), "{what}");
            assert_eq!(error.index, k, "{what}");
            let expected_kind = match fault {
                Fault::Error => FailureKind::Failed,
                Fault::Panic => FailureKind::Panicked,
                Fault::Cancel => FailureKind::Cancelled,
                Fault::Timeout => FailureKind::TimedOut,
            };
            assert_eq!(error.kind, expected_kind, "{what}");
            // The failing step first, then every completed step in reverse.
            let order: Vec<String> = error.rollbacks.iter().map(|r| r.step.clone()).collect();
            let expected: Vec<String> = (0..=k).rev().map(|i| format!("step{i}")).collect();
            assert_eq!(order, expected, "{what}");
            assert!(error.fully_rolled_back(), "{what}: {error}");
            let mut trace: Vec<String> = (0..=k).map(|i| format!("execute:{i}")).collect();
            trace.extend((0..=k).rev().map(|i| format!("rollback:{i}")));
            assert_eq!(outcome.state.trace, trace, "{what}");
            assert!(files_left(&outcome).is_empty(), "{what} left {:?}", files_left(&outcome));
            let progress = overall(&outcome.events);
            assert!(progress.windows(2).all(|w| w[0] < w[1]), "{what}: monotone {progress:?}");
            assert!(progress.iter().all(|p| *p < 10_000), "{what}: never 100 % on failure {progress:?}");
            let rollbacks_done =
                outcome.events.iter().filter(|e| matches!(e.kind, EventKind::RollbackCompleted { .. })).count();
            assert_eq!(rollbacks_done, k + 1, "{what}");
            let statuses: Vec<StepStatus> = error.steps.iter().map(|s| s.status).collect();
            let mut expected = vec![StepStatus::RolledBack; k];
            expected.push(StepStatus::Failed);
            expected.resize(STEPS, StepStatus::NotRun);
            assert_eq!(statuses, expected, "{what}");
        }
    }
}

#[test]
fn the_error_keeps_the_original_cause_and_names_every_rollback() {
    let outcome = run(Some((2, Fault::Error)), None);
    let error = outcome.result.expect_err("fails");
    let io = error.cause.chain().find_map(|c| c.downcast_ref::<std::io::Error>()).expect("the io::Error is kept");
    assert_eq!(io.to_string(), "disk full in step 2");
    assert_eq!(
        error.to_string(),
        "step `step2` failed: step 2 could not finish; step2 rolled back, step1 rolled back, step0 rolled back"
    );
    let source = std::error::Error::source(&error).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("step 2 could not finish"));

    let outcome = run(Some((1, Fault::Panic)), None);
    let error = outcome.result.expect_err("fails");
    assert!(error.to_string().starts_with("step `step1` panicked: step 1 exploded (at tests/workflow.rs:"), "{error}");

    let outcome = run(Some((3, Fault::Timeout)), None);
    let error = outcome.result.expect_err("fails");
    assert_eq!(error.cause.to_string(), "the attempt ran past its 200ms");
}

#[test]
fn a_skipped_step_is_never_rolled_back() {
    let outcome = run(Some((2, Fault::Error)), Some(1));
    let error = outcome.result.as_ref().expect_err("fails");
    let order: Vec<&str> = error.rollbacks.iter().map(|r| r.step.as_str()).collect();
    assert_eq!(order, ["step2", "step0"]);
    assert_eq!(outcome.state.trace, ["execute:0", "execute:2", "rollback:2", "rollback:0"]);
    assert!(
        outcome
            .events
            .iter()
            .any(|e| matches!(e.kind, EventKind::StepSkipped {}) && e.step.as_deref() == Some("step1"))
    );
    assert!(files_left(&outcome).is_empty());

    let outcome = run(None, Some(3));
    let report = outcome.result.expect("success");
    assert_eq!(report.step("step3").map(|s| s.status), Some(StepStatus::Skipped));
    assert_eq!(overall(&outcome.events).last(), Some(&10_000), "a skipped step still counts as done");
}

#[test]
fn events_inside_a_step_are_tagged_with_it() {
    let outcome = run(None, None);
    let step_progress = outcome
        .events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Progress { category: Some(c), .. } if c == "step2"));
    assert_eq!(step_progress.count(), 3);
    let started: Vec<(Option<&str>, usize)> = outcome
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::StepStarted { index, .. } => Some((e.step.as_deref(), index)),
            _ => None,
        })
        .collect();
    assert_eq!(started, [(Some("step0"), 0), (Some("step1"), 1), (Some("step2"), 2), (Some("step3"), 3)]);
    assert!(
        matches!(&outcome.events[0].kind, EventKind::WorkflowStarted { steps, normalized_from: None } if steps.len() == 4)
    );
}

#[test]
fn a_customized_registry_renormalizes_and_runs() {
    let mut registry = FileWorkflow::registry();
    assert_eq!(registry.names(), ["step0", "step1", "step2", "step3"]);
    registry.remove("step1").expect("remove");
    let error = registry.insert_before("step1", Step1).expect_err("step1 is gone");
    assert_eq!(error.to_string(), "no step named `step1`; the steps are: step0, step2, step3");
    registry.insert_after("step3", Step1).expect("re-add at the end");
    let error = registry.register(Step0).expect_err("duplicate");
    assert_eq!(error.to_string(), "a step named `step0` is already registered (at position 0)");
    registry.replace("step2", Step2).expect("replace with itself");
    assert_eq!(registry.names(), ["step0", "step2", "step3", "step1"]);
    assert_eq!(registry.plan().normalized_from, None, "the weights still sum to 1");
    registry.remove("step0").expect("remove");
    assert_eq!(
        registry.plan().to_string(),
        "step2 33.3% → step3 44.4% → step1 22.2% (normalized from a weight sum of 0.9)"
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("custom").sink(memory.clone()).build();
    let mut state = Files { dir: dir.path().to_owned(), trace: Vec::new(), fault: None, skip: None };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(registry.orchestrator().run(&ctx, &mut state)).expect("success");
    assert_eq!(state.trace, ["execute:2", "execute:3", "execute:1"]);
    let events = memory.events();
    assert!(
        matches!(&events[0].kind, EventKind::WorkflowStarted { normalized_from: Some(sum), .. } if (sum - 0.9).abs() < 1e-9)
    );
    assert_eq!(overall(&events).last(), Some(&10_000));
}
