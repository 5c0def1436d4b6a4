//! The detector example's `train` in Ray job mode: the plugin process of a Ray job downloads the
//! seeded dataset from the dev backend, converts it, fits the classifier, uploads and registers
//! the model, and reports the run to its backend job — with the backend's address, token and
//! caches given as the run's environment, as the platform gives them. The dev backend serves in
//! this test, inside the Ray head's network namespace.

use serde_json::{Value, json};
use std::path::Path;
use synapse::executor::{ExecutionMode, RunOptions, run_plugin_with};
use synapse_dev_backend::{DevBackend, RunningDevBackend};
use synapse_tests::dev_backend::{dev, job_state};
use synapse_tests::require_ray;

use detector as _;

const DETECTOR: &str = env!("CARGO_BIN_EXE_detector-plugin");
const TOKEN: &str = "ray-dev-token";

async fn seed(backend: &RunningDevBackend) -> u64 {
    let body = json!({"seed": 11, "classes": ["car", "person", "tree"], "splits": {"train": 40, "validation": 15}, "width": 64, "height": 64});
    let seeded = dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    seeded["ground_truth_dataset_version"].as_u64().expect("a version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_job_trains_the_detector_and_registers_its_model() {
    let address = require_ray!();
    let backend = DevBackend::builder().token(TOKEN).in_memory().start().await.expect("dev backend");
    let version = seed(&backend).await;
    let job = dev(&backend, reqwest::Method::POST, "_dev/jobs", Some(json!({}))).await["id"].as_u64().expect("id");
    let caches = tempfile::tempdir().expect("a directory");
    let options = RunOptions {
        plugin_dir: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/detector")),
        ..RunOptions::default()
            .binary(DETECTOR)
            .plugin_code("detector")
            .ray_address(&address)
            .job_id(job.to_string())
            .env_var("SYNAPSE_HOST", backend.url())
            .env_var("SYNAPSE_ACCESS_TOKEN", TOKEN)
            .env_var("SYNAPSE_DATASET_CACHE", caches.path().join("datasets").to_string_lossy())
            .env_var("SYNAPSE_MODEL_CACHE", caches.path().join("models").to_string_lossy())
    };
    let params =
        json!({"dataset": version, "splits": ["train", "valid"], "hyperparameters": [{"folds": 2, "trees": 10}]});
    let result = run_plugin_with("detector", "train", params, ExecutionMode::Job, options).await.expect("job");
    let accuracy = result["metrics"]["valid_accuracy"].as_f64().expect("a valid accuracy");
    assert!(accuracy >= 0.95, "valid accuracy {accuracy}");
    let model_id = result["model_id"].as_u64().expect("a model");

    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED", "{patches:#?}");
    let last = patches.last().expect("patches");
    assert_eq!(last["metrics_record"]["record"]["steps"]["validation"]["epoch"], 3, "{last}");
    assert_eq!(last["result"]["model_id"], model_id, "{last}");
    assert!(logs.iter().any(|l| l["event"] == "visualization" && l["file"].is_string()), "{logs:#?}");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let models: Vec<&Value> =
        state["models"].as_array().expect("models").iter().filter(|m| m["id"] == model_id).collect();
    assert_eq!(models.len(), 1, "the model is registered once");
    assert!(models[0]["media_key"].is_string(), "with its file: {}", models[0]);
    backend.shutdown().await.expect("shutdown");
}
