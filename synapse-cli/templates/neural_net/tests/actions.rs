//! The actions, run as the platform runs them, on the sample dataset in `samples/yolo/`.

mod support;

use std::process::Command;
use synapse::{json, serde_json};

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/yolo/dataset.yaml");

#[test]
fn train_fits_the_sample_dataset_and_test_scores_the_model() {
    // `data_path`: the dataset on disk, nothing downloaded; no backend, so nothing registered.
    let trained = support::run("train", json!({"data_path": SAMPLES, "epochs": 50}));
    assert_eq!(trained["model_id"], json!(null));
    let loss = trained["metrics"]["loss"].as_f64().expect("the final loss");
    assert!(loss < 2f64.ln(), "the loss fell below the uniform model's: {loss}");
    let model_path = trained["model_path"].as_str().expect("the model's directory");

    let tested = support::run("test", json!({"model_path": model_path, "data_path": SAMPLES}));
    // 6 of the 9 sample boxes are cars, the class the model predicts.
    assert_eq!(tested["boxes"], json!(9));
    assert!((tested["accuracy"].as_f64().unwrap_or_default() - 6.0 / 9.0).abs() < 1e-9, "{tested}");

    // The model served: a replica's `infer`, here, from a models directory.
    let models = std::env::temp_dir().join(format!("{}-models-{}", env!("CARGO_PKG_NAME"), std::process::id()));
    std::fs::create_dir_all(models.join("1")).expect("a models directory");
    std::fs::copy(format!("{model_path}/model.json"), models.join("1/model.json")).expect("the model copied");
    let output = Command::new(env!("CARGO_BIN_EXE_{{crate}}"))
        .args(["infer", "--model", "1", "--input", r#"{"boxes": [[10, 10, 20, 20]]}"#, "--models-dir"])
        .arg(&models)
        .output()
        .expect("the plugin binary runs");
    let _ = std::fs::remove_dir_all(&models);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(answer[0]["class"], json!("car"), "{answer}");
}

#[test]
fn train_refuses_a_run_without_data() {
    let error = support::refused("train", json!({"epochs": 5}));
    assert!(error.contains("dataset"), "{error}");
}
