//! Step workflows run from a registry of steps over a state of their own: retries that recover
//! from an error and a timeout, and a rollback that fails while the others still run. The
//! workflow whose steps write files, with faults injected at every position, is tested in
//! `workflow.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use synapse::EventKind;
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse::steps::StepRegistry;

/// Fails its first attempt with an error, times out on the second, succeeds on the third.
#[step(weight = 1.0, retries = 2, timeout = "100ms", backoff = "1ms")]
struct Flaky;

impl Step<Arc<AtomicU32>> for Flaky {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, Arc<AtomicU32>>, _: &mut ()) -> Result<()> {
        match cx.fetch_add(1, Ordering::SeqCst) {
            0 => bail!("transient network error"),
            1 => tokio::time::sleep(Duration::from_secs(10)).await,
            _ => {}
        }
        Ok(())
    }
}

#[test]
fn retries_recover_from_an_error_and_a_timeout() {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("flaky").sink(memory.clone()).build();
    let attempts = Arc::new(AtomicU32::new(0));
    let mut state = attempts.clone();
    let mut registry = StepRegistry::new();
    registry.register(Flaky).expect("register");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let report = rt.block_on(registry.orchestrator().run(&ctx, &mut state)).expect("the third attempt succeeds");
    assert_eq!(attempts.load(Ordering::SeqCst), 3);
    assert_eq!(report.steps[0].attempts, 3);
    let failures: Vec<(u32, bool, String)> = memory
        .events()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::StepFailed { attempt, will_retry, error } => Some((attempt, will_retry, error)),
            _ => None,
        })
        .collect();
    assert_eq!(
        failures,
        [(1, true, "transient network error".to_owned()), (2, true, "the attempt ran past its 100ms".to_owned())]
    );
}

/// A rollback that fails does not stop the others.
#[step(weight = 0.5)]
struct Fragile;

impl Step<Vec<&'static str>> for Fragile {
    type Undo = ();
    async fn execute(&self, cx: &mut StepCx<'_, Vec<&'static str>>, _: &mut ()) -> Result<()> {
        cx.push("fragile");
        Ok(())
    }
    async fn rollback(&self, _: &mut StepCx<'_, Vec<&'static str>>, _: ()) -> Result<()> {
        bail!("the remote copy is locked")
    }
}

#[step(weight = 0.25)]
struct Sturdy;

impl Step<Vec<&'static str>> for Sturdy {
    type Undo = ();
    async fn execute(&self, cx: &mut StepCx<'_, Vec<&'static str>>, _: &mut ()) -> Result<()> {
        cx.push("sturdy");
        Ok(())
    }
    async fn rollback(&self, cx: &mut StepCx<'_, Vec<&'static str>>, _: ()) -> Result<()> {
        cx.retain(|s| *s != "sturdy");
        Ok(())
    }
}

#[step(weight = 0.25)]
struct Broken;

impl Step<Vec<&'static str>> for Broken {
    type Undo = ();
    async fn execute(&self, _: &mut StepCx<'_, Vec<&'static str>>, _: &mut ()) -> Result<()> {
        bail!("broken")
    }
}

#[test]
fn a_failing_rollback_is_recorded_and_the_rest_still_run() {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("fragile").sink(memory.clone()).build();
    let mut state = Vec::new();
    let mut registry = StepRegistry::new();
    registry.register(Sturdy).and_then(|r| r.register(Fragile)).and_then(|r| r.register(Broken)).expect("register");
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let hook_seen = seen.clone();
    let orchestrator = registry.orchestrator().before_step(move |entry, _state: &mut Vec<&'static str>| {
        hook_seen.lock().expect("lock").push(entry.name);
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let error = rt.block_on(orchestrator.run(&ctx, &mut state)).expect_err("broken fails");
    assert_eq!(*seen.lock().expect("lock"), ["sturdy", "fragile", "broken"]);
    let outcomes: Vec<(&str, bool)> = error.rollbacks.iter().map(|r| (r.step.as_str(), r.succeeded())).collect();
    assert_eq!(outcomes, [("broken", true), ("fragile", false), ("sturdy", true)]);
    assert!(!error.fully_rolled_back());
    assert_eq!(state, ["fragile"], "sturdy was still rolled back after fragile's rollback failed");
    assert!(
        error.to_string().ends_with("fragile NOT rolled back (the remote copy is locked), sturdy rolled back"),
        "{error}"
    );
    assert!(
        memory
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::RollbackFailed { error } if error == "the remote copy is locked"))
    );
}
