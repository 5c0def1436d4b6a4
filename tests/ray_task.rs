//! Task mode on a real Ray head: the plugin binary resident as a long-running Ray job. The
//! first run starts it; later runs reuse it; requests without its token are refused; a worker
//! killed mid-life is a typed error for the run in flight and is started again for the next.

use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::RunError;
use synapse::events::RunId;
use synapse::events::sink::MemorySink;
use synapse::executor::ray::worker_client::WorkerClient;
use synapse::executor::ray::{JobStatus, RayJobsClient, RayTaskExecutor};
use synapse::executor::{ExecutionMode, RunOptions, run_plugin_with};
use synapse_tests::{assert_same_events, assert_well_formed, require_ray};

use faulty_plugin as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_task_worker_is_started_once_and_reused() {
    let address = require_ray!();
    let executor = RayTaskExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    let params = json!({"input_path": "in.csv", "output_path": "out.csv"});
    let cold = Instant::now();
    let first = executor.execute("process", params.clone()).await.expect("first run");
    let cold = cold.elapsed();
    let job = executor.job_id().await.expect("a worker job");
    let mut warm = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(executor.execute("process", params.clone()).await.expect("warm run"), first);
        warm.push(started.elapsed());
    }
    assert_eq!(executor.job_id().await.as_deref(), Some(job.as_str()), "the same worker served every run");
    warm.sort();
    eprintln!("task mode: cold {cold:?}, warm median {:?}", warm[warm.len() / 2]);
    executor.shutdown().await.expect("shutdown");
    let client = RayJobsClient::new(&address).expect("client");
    let details = client.wait(&job, Duration::from_secs(60)).await.expect("the worker job ends");
    assert_eq!(details.status, JobStatus::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_task_run_matches_a_local_run() {
    let address = require_ray!();
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "verbose": true});
    let local = Arc::new(MemorySink::new());
    let expected = run_plugin_with(
        "quickstart",
        "process",
        params.clone(),
        ExecutionMode::Local,
        RunOptions::default().sink(local.clone()),
    )
    .await
    .expect("local");
    let executor = RayTaskExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    let remote = Arc::new(MemorySink::new());
    let actual =
        executor.execute_as("process", params, RunId::random(), vec![remote.clone()], None).await.expect("task");
    executor.shutdown().await.expect("shutdown");
    assert_eq!(expected, actual);
    assert_well_formed(&remote.events());
    assert_same_events(&local.events(), &remote.events());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_task_worker_refuses_requests_without_its_token() {
    let address = require_ray!();
    let executor = RayTaskExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    executor.start().await.expect("start");
    let worker = executor.worker().await.expect("started");
    let intruder = WorkerClient::new(worker.addr, "guessed-token-guessed-token-xxxx");
    let error = intruder.run("process", json!({}), RunId::random(), vec![], None).await.expect_err("refused");
    assert!(error.to_string().contains("401 Unauthorized: missing or wrong worker token"), "{error}");
    executor.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_task_killed_worker_is_an_error_and_is_restarted() {
    let address = require_ray!();
    let executor = Arc::new(
        RayTaskExecutor::from_options(
            RunOptions::default().ray_address(&address).binary(FAULTY).plugin_code("faulty-plugin"),
        )
        .expect("executor"),
    );
    executor.start().await.expect("start");
    let first_job = executor.job_id().await.expect("job");
    let worker = executor.worker().await.expect("started");
    let running = {
        let executor = executor.clone();
        tokio::spawn(async move { executor.execute("wait", json!({"millis": 60_000})).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let killed = std::process::Command::new("kill").args(["-KILL", &worker.pid.to_string()]).status().expect("kill");
    assert!(killed.success());
    let error = running.await.expect("join").expect_err("the worker died mid-run");
    let RunError::Lost { action, place, reason } = &error else { panic!("{error}") };
    assert_eq!(action, "wait");
    assert!(place.contains(&first_job), "{place}");
    assert!(!reason.is_empty());
    // The next run starts a new worker.
    let result = executor.execute("read_env", json!({"key": "NOTHING"})).await.expect("a new worker serves it");
    assert_eq!(result["value"], -1);
    let second_job = executor.job_id().await.expect("job");
    assert_ne!(first_job, second_job);
    executor.shutdown().await.expect("shutdown");
}
