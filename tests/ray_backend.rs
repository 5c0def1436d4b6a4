//! The job contract on a real Ray head: a run with a backend job reports itself to the backend
//! from where its action runs — the plugin process of its Ray job (job mode), the resident
//! worker (task mode) — with the backend's address and token given as the run's environment,
//! as the platform gives them. The dev backend serves in this test, inside the Ray head's
//! network namespace.

use serde_json::{Value, json};
use std::path::Path;
use synapse::executor::ray::RayTaskExecutor;
use synapse::executor::{ExecutionMode, RunOptions, run_plugin_with};
use synapse_dev_backend::{DevBackend, RunningDevBackend};
use synapse_tests::require_ray;

use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const TOKEN: &str = "ray-dev-token";

async fn dev(backend: &RunningDevBackend, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", backend.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("dev route").json().await.expect("JSON")
}

/// A backend job, and the options of a run reporting to it.
async fn job_and_options(backend: &RunningDevBackend, address: &str) -> (u64, RunOptions) {
    let job = dev(backend, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await["id"].as_u64().expect("id");
    let options = RunOptions {
        plugin_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart")),
        ..RunOptions::default()
            .binary(QUICKSTART)
            .plugin_code("quickstart")
            .ray_address(address)
            .job_id(job.to_string())
            .env_var("SYNAPSE_HOST", backend.url())
            .env_var("SYNAPSE_ACCESS_TOKEN", TOKEN)
    };
    (job, options)
}

/// The job went RUNNING (once) → SUCCEEDED, with the per-epoch metrics, the result and the logs.
async fn assert_reported(backend: &RunningDevBackend, job: u64, mode: &str) {
    let state = dev(backend, reqwest::Method::GET, "_dev/state", None).await;
    let record = state["jobs"].as_array().and_then(|jobs| jobs.iter().find(|j| j["id"] == job)).expect("the job");
    let patches: Vec<&Value> = record["patches"].as_array().expect("patches").iter().map(|p| &p["body"]).collect();
    assert_eq!(record["status"], "SUCCEEDED", "{mode}: {patches:#?}");
    assert_eq!(patches.iter().filter(|p| p["status"] == "RUNNING").count(), 1, "{mode}: {patches:#?}");
    let last = patches.last().expect("patches");
    assert_eq!(last["metrics_record"]["record"]["steps"]["train"]["epoch"], 5, "{mode}: {last}");
    assert_eq!(last["result"]["epochs"], 5, "{mode}: {last}");
    assert_eq!(last["progress_record"]["current_progress"]["overall"], 100.0, "{mode}: {last}");
    let logs: Vec<&Value> = state["logs"].as_array().expect("logs").iter().filter(|l| l["job"] == job).collect();
    assert!(logs.iter().any(|l| l["event"] == "message" && l["level"] == "success"), "{mode}: {logs:#?}");
    let auth = state["auth"].as_array().expect("auth");
    assert!(auth.iter().all(|record| record["accepted"] == true), "{mode}: every request carried the token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_reports_its_run_to_the_backend_job() {
    let address = require_ray!();
    let backend = DevBackend::builder().token(TOKEN).in_memory().start().await.expect("dev backend");
    let (job, options) = job_and_options(&backend, &address).await;
    let params = json!({"epochs": 5, "samples": 20});
    let result = run_plugin_with("quickstart", "train", params, ExecutionMode::Job, options).await.expect("job");
    assert_eq!(result["epochs"], 5);
    assert_reported(&backend, job, "job").await;
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_task_reports_its_run_to_the_backend_job() {
    let address = require_ray!();
    let backend = DevBackend::builder().token(TOKEN).in_memory().start().await.expect("dev backend");
    let (job, options) = job_and_options(&backend, &address).await;
    let executor = RayTaskExecutor::from_options(options).expect("executor");
    let result = executor.execute("train", json!({"epochs": 5, "samples": 20})).await.expect("task run");
    assert_eq!(result["epochs"], 5);
    assert_reported(&backend, job, "task").await;
    executor.shutdown().await.expect("shutdown");
    backend.shutdown().await.expect("shutdown");
}
