//! Training telemetry on a backend job: a run that reports per-epoch metrics of `train` and
//! `validation` and a visualization image ends with the job's metrics record holding both
//! categories, a `metric` log entry per report, and a `visualization` entry whose file is the
//! exact image sent — run in this process and in a child process (the image crosses the process
//! boundary in the event stream).

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use synapse::backend::{JobSink, JobSinkLimits};
use synapse::executor::{ExecutionMode, RunOptions, run_plugin_with};
use synapse_tests::dev_backend::{client_of, job_state, new_job, quick, start};

use faulty_plugin as _;

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

/// A real PNG of `side` × `side` pixels of noise (which compresses badly) at `path`; its bytes.
fn write_png(path: &Path, side: u32) -> Vec<u8> {
    let noise =
        |x: u32, y: u32, k: u32| ((x.wrapping_mul(7919) ^ y.wrapping_mul(104_729) ^ k.wrapping_mul(31)) % 251) as u8;
    let image =
        image::RgbImage::from_fn(side, side, |x, y| image::Rgb([noise(x, y, 1), noise(y, x, 2), noise(x + y, y, 3)]));
    image.save(path).expect("the PNG is written");
    std::fs::read(path).expect("the PNG is read back")
}

fn limits() -> JobSinkLimits {
    JobSinkLimits {
        log_interval: Duration::from_millis(50),
        record_interval: Duration::from_millis(50),
        finish_timeout: Duration::from_secs(10),
        ..JobSinkLimits::default()
    }
}

/// Runs `visualize` in `mode` reporting to a new job; asserts everything the job shows.
async fn reported_in(mode: ExecutionMode) {
    let backend = start().await;
    let job = new_job(&backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let image = dir.path().join("predictions.png");
    let png = write_png(&image, 64);

    let sink = Arc::new(JobSink::with_limits(client_of(backend.url(), quick(2, 10, 20)), job, limits()));
    let options = RunOptions::default().binary(FAULTY).job_id(job.to_string()).sink(sink.clone());
    let params = json!({"image": image, "epochs": 3});
    let outcome = run_plugin_with("faulty-plugin", "visualize", params, mode, options).await;
    assert_eq!(outcome.expect("the run succeeds"), json!({"epochs": 3}), "{mode:?}");
    assert!(sink.loss().is_empty(), "{:?}", sink.loss());

    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED", "{mode:?}");
    // The record: each category's latest values and the epoch they are of.
    let expected = json!({"record": {"steps": {
        "train": {"loss": 1.0 / 3.0, "epoch": 3},
        "validation": {"map50": 0.2 * 3.0, "epoch": 3},
    }}});
    assert_eq!(record["metrics_record"], expected, "{mode:?}");
    assert_eq!(patches.last().map(|last| &last["metrics_record"]), Some(&expected), "the final PATCH carries it");

    // A `metric` entry per report, in order, as the Python SDK's log_metric shapes it.
    let metrics: Vec<&Value> =
        logs.iter().filter(|entry| entry["event"] == "metric").map(|entry| &entry["data"]).collect();
    let expected: Vec<Value> = (1..=3u64)
        .flat_map(|epoch| {
            let e = epoch as f64;
            [
                json!({"category": "train", "key": "epoch", "value": epoch, "metrics": {"loss": 1.0 / e}}),
                json!({"category": "validation", "key": "epoch", "value": epoch, "metrics": {"map50": 0.2 * e}}),
            ]
        })
        .collect();
    assert_eq!(metrics, expected.iter().collect::<Vec<_>>(), "{mode:?}");
    assert!(
        logs.iter()
            .filter(|entry| entry["event"] == "metric")
            .all(|entry| entry["level"] == "info" && entry["file"].is_null())
    );

    // The visualization, its file the exact bytes of the image.
    let visualizations: Vec<&Value> = logs.iter().filter(|entry| entry["event"] == "visualization").collect();
    assert_eq!(visualizations.len(), 1, "{logs:#?}");
    let visualization = visualizations[0];
    assert_eq!(
        visualization["data"],
        json!({"category": "validation", "group": "predictions", "index": 0, "epoch": 3})
    );
    let url = visualization["file"].as_str().expect("the entry has a file");
    let served = reqwest::get(url).await.expect("GET the file");
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("its bytes").as_ref(), png.as_slice(), "{mode:?}: the file is the PNG sent");
    backend.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_a_visualization_reach_the_job_from_a_local_run() {
    reported_in(ExecutionMode::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_a_visualization_reach_the_job_from_a_child_process() {
    reported_in(ExecutionMode::Process).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_larger_than_the_sinks_queue_is_refused_and_counted_not_wedging_the_run() {
    let backend = start().await;
    let job = new_job(&backend).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let image = dir.path().join("large.png");
    let png = write_png(&image, 128);
    assert!(png.len() > 32 * 1024, "{}", png.len());
    // A queue smaller than the image's data: URI (but room for many metric entries): the
    // visualization cannot wait in it.
    let limits = JobSinkLimits { queue_bytes: png.len(), ..limits() };
    let sink = Arc::new(JobSink::with_limits(client_of(backend.url(), quick(2, 10, 20)), job, limits));
    let options = RunOptions::default().job_id(job.to_string()).sink(sink.clone());
    let outcome = run_plugin_with(
        "faulty-plugin",
        "visualize",
        json!({"image": image, "epochs": 2}),
        ExecutionMode::Local,
        options,
    )
    .await;
    outcome.expect("the run succeeds");
    assert_eq!(sink.loss().dropped, 1, "{:?}", sink.loss());
    let (record, patches, logs) = job_state(&backend, job).await;
    assert_eq!(record["status"], "SUCCEEDED");
    assert_eq!(logs.iter().filter(|entry| entry["event"] == "metric").count(), 4, "the other entries arrive");
    assert!(!logs.iter().any(|entry| entry["event"] == "visualization"), "{logs:#?}");
    let loss = logs.iter().find(|entry| entry["event"] == "joblog_loss").expect("the loss is reported in the job");
    assert_eq!(loss["data"]["dropped"], 1, "{loss}");
    assert_eq!(patches.last().map(|last| &last["meta"]["joblog_loss"]["dropped"]), Some(&json!(1)));
    backend.shutdown().await.expect("shutdown");
}
