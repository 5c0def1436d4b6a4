//! The detector example plugin end to end, from its command line, against the dev backend: its
//! `train` action reporting to a backend job (download → convert → train → model_upload, the
//! per-fold metrics, the visualization, the registered model and its file, the validation
//! accuracy against the seeded labels), and the `detector` pipeline, whose actions hand the
//! dataset on as their types say.

use serde_json::{Value, json};
use std::path::Path;
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{dev, job_state, new_job, run_plugin, start};

const DETECTOR: &str = env!("CARGO_BIN_EXE_detector-plugin");

/// Runs the detector plugin with `args`, its backend the dev backend, its caches in `caches`.
async fn detector(backend: &RunningDevBackend, caches: &Path, args: &[&str]) -> (Value, String) {
    let envs = [("SYNAPSE_DATASET_CACHE", caches.join("datasets")), ("SYNAPSE_MODEL_CACHE", caches.join("models"))];
    run_plugin(DETECTOR, backend, args, &envs).await
}

/// Seeds 3 classes, 60 train and 20 validation images of 64×64; the version's id.
async fn seed(backend: &RunningDevBackend) -> u64 {
    let body = json!({"seed": 3, "classes": ["car", "person", "tree"], "splits": {"train": 60, "validation": 20}, "width": 64, "height": 64});
    let seeded = dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    seeded["ground_truth_dataset_version"].as_u64().expect("a version")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_train_action_fits_registers_and_reports_to_its_job() {
    let backend = start().await;
    let version = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let job = new_job(&backend).await;
    let params = json!({
        "dataset": version, "splits": ["train", "valid"], "name": "boxes",
        "hyperparameters": [{"folds": 3, "trees": 20, "seed": 7}],
    })
    .to_string();
    let (result, _) =
        detector(&backend, caches.path(), &["run", "train", "--params", &params, "--job-id", &job.to_string()]).await;

    // Validation accuracy against the seeded labels.
    let accuracy = result["metrics"]["valid_accuracy"].as_f64().expect("a valid accuracy");
    assert!(accuracy >= 0.95, "valid accuracy {accuracy}");
    let model_id = result["model_id"].as_u64().expect("a model");

    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED", "{patches:#?}");
    let last = patches.last().expect("patches");
    let steps = &last["progress_record"]["record"]["steps"];
    for (step, proportion) in [("dataset", 15.0), ("convert", 5.0), ("train", 75.0), ("model_upload", 5.0)] {
        assert_eq!(steps[step]["proportion"], proportion, "{step}: {last}");
        assert_eq!(steps[step]["percent"], 100.0, "{step}: {last}");
    }
    let metrics = &last["metrics_record"]["record"]["steps"];
    assert_eq!(metrics["validation"]["epoch"], 4, "3 folds, then the final fit: {metrics}");
    assert_eq!(metrics["train"]["epoch"], 4, "{metrics}");
    let folds: Vec<&Value> =
        logs.iter().filter(|l| l["event"] == "metric" && l["data"]["category"] == "validation").collect();
    assert_eq!(
        folds.iter().map(|l| l["data"]["value"].clone()).collect::<Vec<_>>(),
        [json!(1), json!(2), json!(3), json!(4)]
    );
    let visualization = logs.iter().find(|l| l["event"] == "visualization").expect("a visualization");
    assert_eq!(visualization["data"]["group"], "predictions");
    let png = reqwest::get(visualization["file"].as_str().expect("its file"))
        .await
        .expect("served")
        .bytes()
        .await
        .expect("bytes");
    assert!(png.starts_with(b"\x89PNG"), "the validation grid");

    // The model: its file is the model directory, zipped; its configuration the hyperparameters.
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let model =
        state["models"].as_array().expect("models").iter().find(|m| m["id"] == model_id).expect("the model").clone();
    assert_eq!(model["plugin"], "detector");
    assert_eq!(
        model["configuration"]["hyperparameter"],
        json!({"folds": 3, "trees": 20, "max_depth": 8, "min_samples_leaf": 1, "seed": 7})
    );
    let client = synapse_tests::dev_backend::client_of(backend.url(), synapse_tests::dev_backend::quick(3, 5, 20));
    let registered = client.get_model(model_id).await.expect("the model");
    let out = tempfile::tempdir().expect("a directory");
    client.download_model_file(&registered, out.path().join("model.zip")).await.expect("its file");
    synapse::train::extract_zip(&out.path().join("model.zip"), &out.path().join("model")).expect("a zip");
    let loaded = detector::Classifier::load(&out.path().join("model")).expect("the model loads");
    assert_eq!(loaded.names(), ["car", "person", "tree"]);

    // From that model as the checkpoint: the parent is scored on the same boxes, and named.
    let params =
        json!({"dataset": version, "splits": ["train", "valid"], "checkpoint": model_id, "folds": 0}).to_string();
    let (child, _) = detector(&backend, caches.path(), &["run", "train", "--params", &params]).await;
    assert_eq!(child["checkpoint"], model_id);
    assert!(child["metrics"]["checkpoint_valid_accuracy"].as_f64().is_some_and(|a| a >= 0.95), "{child}");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pipeline_hands_the_converted_dataset_to_train() {
    let backend = start().await;
    let version = seed(&backend).await;
    let caches = tempfile::tempdir().expect("a directory");
    let store = caches.path().join("runs.db");
    let params = json!({"dataset": version, "splits": ["train", "valid"], "folds": 0, "trees": 10}).to_string();
    let store = store.to_string_lossy();
    let (result, stderr) =
        detector(&backend, caches.path(), &["pipeline", "run", "detector", "--store", &store, "--params", &params])
            .await;
    assert!(result["model_id"].is_u64(), "{result}");
    assert!(result["data_path"].as_str().is_some_and(|path| path.ends_with("converted/yolo/dataset.yaml")), "{result}");
    assert!(result["metrics"]["valid_accuracy"].as_f64().is_some_and(|accuracy| accuracy >= 0.95), "{result}");
    // `train` got the data the pipeline converted: its own download and conversion were skipped.
    assert!(stderr.contains("[dataset] skipped"), "{stderr}");
    assert!(stderr.contains("[convert] skipped"), "{stderr}");
    backend.shutdown().await.expect("shutdown");
}
