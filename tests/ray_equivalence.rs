//! One action, four places: the quickstart `process` and a failing workflow give the same
//! result (or error) and the same event sequence — ids and timestamps aside — locally, in a
//! child process, on a resident Ray worker (task) and as a Ray job.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::executor::{ExecutionMode, RunOptions, run_plugin_with, shutdown_workers};
use synapse::{Event, RunError};
use synapse_tests::{assert_same_events, assert_well_formed, require_ray};

use image_pipeline as _;
use quickstart as _;

const MODES: [ExecutionMode; 4] =
    [ExecutionMode::Local, ExecutionMode::Process, ExecutionMode::Task, ExecutionMode::Job];

async fn everywhere(
    address: &str,
    code: &str,
    binary: &str,
    dir: &str,
    action: &str,
    params: Value,
) -> Vec<(ExecutionMode, Result<Value, RunError>, Vec<Event>)> {
    let mut outcomes = Vec::new();
    for mode in MODES {
        let memory = Arc::new(MemorySink::new());
        let options = RunOptions {
            plugin_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)),
            ..RunOptions::default().binary(binary).ray_address(address).sink(memory.clone())
        };
        let outcome = run_plugin_with(code, action, params.clone(), mode, options).await;
        outcomes.push((mode, outcome, memory.events()));
    }
    shutdown_workers().await.expect("stop the resident worker");
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_quickstart_process_is_the_same_in_every_mode() {
    let address = require_ray!();
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "batch_size": 8});
    let outcomes = everywhere(
        &address,
        "quickstart",
        env!("CARGO_BIN_EXE_quickstart-plugin"),
        "examples/quickstart",
        "process",
        params,
    )
    .await;
    let (_, local, local_events) = &outcomes[0];
    let local = local.as_ref().expect("local succeeds");
    for (mode, outcome, events) in &outcomes[1..] {
        assert_eq!(outcome.as_ref().unwrap_or_else(|e| panic!("{mode}: {e}")), local, "{mode}");
        assert_well_formed(events);
        assert_same_events(local_events, events);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_failing_workflow_fails_the_same_way_in_every_mode() {
    let address = require_ray!();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/image_pipeline/samples");
    let out = tempfile::tempdir().expect("temp dir");
    let params = json!({"input_dir": samples, "output_dir": out.path().join("o"), "resize_width": 16, "fail_at": "resize_images"});
    let outcomes = everywhere(
        &address,
        "image_pipeline",
        env!("CARGO_BIN_EXE_image-pipeline-plugin"),
        "examples/image_pipeline",
        "process_images",
        params,
    )
    .await;
    let (_, local, local_events) = &outcomes[0];
    let local = local.as_ref().expect_err("local fails").report();
    assert_eq!(local.step.as_deref(), Some("resize_images"));
    for (mode, outcome, events) in &outcomes[1..] {
        let report = outcome.as_ref().expect_err("fails everywhere").report();
        assert_eq!(report, local, "{mode}");
        assert_same_events(local_events, events);
    }
    assert!(!out.path().join("o").exists(), "every mode rolled back");
}

/// The executor contract on Ray: the same request through `Arc<dyn Executor>` as a Ray job and
/// on a resident worker gives the events and result of a local run, on the run's handle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_the_executor_contract_holds_for_job_and_task() {
    use synapse::executor::ray::{RayJobExecutor, RayTaskExecutor};
    use synapse::executor::{Executor, RunHandle, RunRequest};
    let address = require_ray!();
    let binary = env!("CARGO_BIN_EXE_quickstart-plugin");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "batch_size": 8});
    async fn drain(mut handle: RunHandle) -> (Vec<Event>, Result<Value, RunError>) {
        let mut events = Vec::new();
        while let Some(event) = handle.next_event().await {
            events.push(event);
        }
        (events, handle.wait().await)
    }
    let local: Arc<dyn Executor> = Arc::new(synapse::LocalExecutor::new());
    let (local_events, local_result) = drain(local.start(RunRequest::new("process", params.clone()))).await;
    let local_result = local_result.expect("local succeeds");
    let worker = Arc::new(
        RayTaskExecutor::from_options(RunOptions::default().ray_address(&address).binary(binary).plugin_dir(&dir))
            .expect("worker"),
    );
    let executors: [Arc<dyn Executor>; 2] = [
        Arc::new(
            RayJobExecutor::from_options(RunOptions::default().ray_address(&address).binary(binary).plugin_dir(&dir))
                .expect("job executor"),
        ),
        worker.clone(),
    ];
    for executor in executors {
        let mode = executor.mode();
        let (events, result) = drain(executor.start(RunRequest::new("process", params.clone()))).await;
        assert_eq!(result.unwrap_or_else(|e| panic!("{mode}: {e}")), local_result, "{mode}");
        assert_same_events(&local_events, &events);
    }
    worker.shutdown().await.expect("stop the worker");
}
