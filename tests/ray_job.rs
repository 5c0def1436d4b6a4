//! Job mode on a real Ray head: one Ray job per run, the plugin binary shipped in a package.
//! The same result and events as a local run; a failed job surfaces the action's own error; a
//! stopped job is STOPPED and its action saw the cancellation; an unchanged plugin uploads
//! nothing the second time.

use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::executor::ray::{JobStatus, RayJobExecutor};
use synapse::executor::{ErrorKind, ExecutionMode, RunOptions, run_plugin_with};
use synapse::{EventKind, RunError};
use synapse_tests::{assert_same_events, assert_well_formed, require_ray};

use faulty_plugin as _;
use image_pipeline as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

fn plugin_dir(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_gives_the_local_result_and_events() {
    let address = require_ray!();
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "verbose": true});
    let local_events = Arc::new(MemorySink::new());
    let local = run_plugin_with(
        "quickstart",
        "process",
        params.clone(),
        ExecutionMode::Local,
        RunOptions::default().sink(local_events.clone()),
    )
    .await
    .expect("local");
    let job_events = Arc::new(MemorySink::new());
    let options = RunOptions {
        plugin_dir: Some(plugin_dir("examples/quickstart")),
        ..RunOptions::default().binary(QUICKSTART).ray_address(address).sink(job_events.clone())
    };
    let remote = run_plugin_with("quickstart", "process", params, ExecutionMode::Job, options).await.expect("job");
    assert_eq!(local, remote);
    assert_well_formed(&job_events.events());
    assert_same_events(&local_events.events(), &job_events.events());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_failure_surfaces_the_actions_own_error() {
    let address = require_ray!();
    let executor = RayJobExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(FAULTY).plugin_code("faulty-plugin"),
    )
    .expect("executor");
    let job = executor.submit("fail", json!({"reason": "disk on fire"})).await.expect("submitted");
    let error = executor.wait(&job, None).await.expect_err("fails");
    assert_eq!(error.kind(), ErrorKind::Failed);
    assert!(error.to_string().starts_with("action `fail` failed: could not open the dataset"), "{error}");
    assert_eq!(error.report().causes, ["disk on fire"]);
    let details = executor.status(&job.id).await.expect("status");
    assert_eq!(details.status, JobStatus::Failed);
    assert_eq!(details.driver_exit_code, Some(1));
    assert_eq!(details.metadata.get("synapse.action").map(String::as_str), Some("fail"));
    assert_eq!(details.metadata.get("synapse.run_id").map(String::as_str), Some(job.run_id.as_str()));

    // Invalid params: exit code 2 in the job, every violation in the error.
    let job = executor.submit("read_env", json!({"key": 3})).await.expect("submitted");
    let error = executor.wait(&job, None).await.expect_err("invalid");
    assert_eq!(error.kind(), ErrorKind::InvalidParams);
    assert_eq!(
        error.violations().map(|v| v.iter().map(|v| v.path.clone()).collect::<Vec<_>>()),
        Some(vec!["$.key".to_owned()])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_workflow_failure_names_the_step_and_rollbacks() {
    let address = require_ray!();
    let samples = plugin_dir("examples/image_pipeline/samples");
    let out = tempfile::tempdir().expect("temp dir");
    let params = json!({"input_dir": samples, "output_dir": out.path().join("o"), "resize_width": 16, "fail_at": "generate_report"});
    let options = RunOptions {
        plugin_dir: Some(plugin_dir("examples/image_pipeline")),
        ..RunOptions::default().binary(env!("CARGO_BIN_EXE_image-pipeline-plugin")).ray_address(address)
    };
    let error = run_plugin_with("image_pipeline", "process_images", params, ExecutionMode::Job, options)
        .await
        .expect_err("fails");
    let report = error.report();
    assert_eq!(report.step.as_deref(), Some("generate_report"));
    let rolled_back: Vec<&str> = report.rollbacks.iter().map(|r| r.step.as_str()).collect();
    assert_eq!(rolled_back, ["generate_report", "resize_images", "discover_images"]);
    assert!(!out.path().join("o").exists(), "the job rolled its files back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_stopped_mid_run_is_stopped_and_its_action_saw_it() {
    let address = require_ray!();
    let memory = Arc::new(MemorySink::new());
    let executor = Arc::new(
        RayJobExecutor::from_options(
            RunOptions::default()
                .ray_address(&address)
                .binary(FAULTY)
                .plugin_code("faulty-plugin")
                .sink(memory.clone()),
        )
        .expect("executor"),
    );
    let job = executor.submit("wait", json!({"millis": 120_000})).await.expect("submitted");
    let follower = {
        let (executor, job) = (executor.clone(), job.clone());
        tokio::spawn(async move { executor.wait(&job, None).await })
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !memory.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "waiting")) {
        assert!(std::time::Instant::now() < deadline, "the job never started waiting");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(executor.stop(&job.id).await.expect("stop"));
    let error = follower.await.expect("join").expect_err("stopped");
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    assert!(
        memory
            .events()
            .iter()
            .any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed")),
        "the action saw its cancellation"
    );
    let details = executor.status(&job.id).await.expect("status");
    assert_eq!(details.status, JobStatus::Stopped);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_second_submit_uploads_nothing() {
    let address = require_ray!();
    let executor = RayJobExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    let package = executor.package().await.expect("package");
    package.ensure_uploaded(executor.client()).await.expect("first upload");
    let job = executor.submit("process", json!({"input_path": "a", "output_path": "b"})).await.expect("submitted");
    executor.wait(&job, None).await.expect("runs");
    let again = RayJobExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    let same = again.package().await.expect("package");
    assert_eq!(same.name(), package.name(), "an unchanged plugin has the same content hash");
    assert_eq!(same.ensure_uploaded(again.client()).await.expect("check"), 0, "and uploads 0 bytes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_with_params_too_large_for_the_environment_ships_them_in_its_package() {
    let address = require_ray!();
    let long = "x".repeat(synapse::executor::ray::job::MAX_PARAMS_IN_ENV + 1);
    let params = json!({"input_path": long, "output_path": "out.csv"});
    let local = run_plugin_with("quickstart", "process", params.clone(), ExecutionMode::Local, RunOptions::default())
        .await
        .expect("local");
    let executor = RayJobExecutor::from_options(
        RunOptions::default().ray_address(&address).binary(QUICKSTART).plugin_code("quickstart"),
    )
    .expect("executor");
    let job = executor.submit("process", params).await.expect("submitted");
    assert_eq!(executor.wait(&job, None).await.expect("runs"), local);
    // The job ran the plugin's package with the params file added.
    let details = executor.status(&job.id).await.expect("status");
    let entrypoint = details.entrypoint.unwrap_or_default();
    assert!(entrypoint.ends_with(&format!("--params @params/{}.json", job.run_id)), "{entrypoint}");
    let working_dir = details.runtime_env.as_ref().and_then(|env| env["working_dir"].as_str()).map(str::to_owned);
    let plugin = executor.package().await.expect("package");
    assert!(working_dir.is_some_and(|dir| dir != plugin.uri()), "its own package");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_with_an_unknown_id_or_a_dead_head_is_a_typed_error() {
    let address = require_ray!();
    let executor = RayJobExecutor::new(&address, QUICKSTART).expect("executor");
    let error = executor.status("no-such-job-here").await.expect_err("unknown");
    assert!(matches!(&error, RunError::Ray(ray) if ray.is_not_found()), "{error}");
    let dead = RayJobExecutor::new("http://127.0.0.1:9", QUICKSTART).expect("executor");
    let error = dead.execute("process", json!({"input_path": "a", "output_path": "b"})).await.expect_err("dead");
    assert!(error.to_string().contains("unreachable at http://127.0.0.1:9"), "{error}");
}
