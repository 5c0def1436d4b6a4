//! Pipeline mode on a real Ray head: a whole pipeline as one Ray job, checkpointing into a run
//! store the head shares with this machine. The example gives the result it gives locally; a
//! run that failed in a job resumes from its checkpoint in a new job, without repeating the
//! completed actions.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use synapse::events::EventKind;
use synapse::events::sink::MemorySink;
use synapse::executor::RunOptions;
use synapse::executor::ray::JobStatus;
use synapse::pipeline::RayPipelineExecutor;
use synapse::pipeline::store::{RunStatus, RunStore};
use synapse::pipeline::{Pipeline, PipelineRunner};
use synapse_tests::require_ray;

const DATASET: &str = env!("CARGO_BIN_EXE_dataset-pipeline-plugin");
const STAGES: &str = env!("CARGO_BIN_EXE_stages-plugin");

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_pipeline_gives_the_local_result() {
    let address = require_ray!();
    let temp = tempfile::tempdir().expect("temp dir");
    let params = |dir: &str| json!({"work_dir": temp.path().join(dir), "rows": 500, "epochs": 100});

    let local_store = Arc::new(RunStore::open(temp.path().join("local.db")).expect("store"));
    let local = PipelineRunner::new(local_store)
        .run(dataset_pipeline::DatasetPipeline::descriptor(), params("local"))
        .await
        .expect("local run");

    let events = Arc::new(MemorySink::new());
    let executor = RayPipelineExecutor::from_options(
        RunOptions::default()
            .ray_address(&address)
            .binary(DATASET)
            .plugin_code("dataset-pipeline")
            .plugin_dir(repo("examples/dataset_pipeline"))
            .sink(events.clone()),
    )
    .expect("executor")
    .with_store(temp.path().join("ray.db"));
    let job = executor.submit("dataset", params("ray")).await.expect("submitted");
    let remote = executor.wait(&job, None).await.expect("the Ray run succeeds");
    let strip = |mut v: Value| {
        v.as_object_mut().map(|o| o.remove("model_path"));
        v
    };
    assert_eq!(strip(remote.clone()), strip(local.result.clone()), "the same model, fitted on Ray");
    assert!(temp.path().join("ray/model.json").exists(), "the job wrote into the shared directory");
    assert_eq!(executor.status(&job.id).await.expect("status").status, JobStatus::Succeeded);

    let kinds: Vec<EventKind> = events.events().into_iter().map(|e| e.kind).collect();
    let completed = kinds.iter().filter(|k| matches!(k, EventKind::PipelineActionCompleted { .. })).count();
    assert_eq!(completed, 3, "each action's end came back through the job log");
    assert!(kinds.iter().any(|k| matches!(k, EventKind::Progress { category: None, current: 10_000, total: 10_000 })));
    // Each action's own events came back too, under its run, for one bar per action.
    for (index, action) in ["fetch_dataset", "convert_dataset", "train_model"].into_iter().enumerate() {
        let run = job.run_id.action_run(index);
        let own: Vec<EventKind> = events.events().into_iter().filter(|e| e.run == run).map(|e| e.kind).collect();
        assert!(
            matches!(own.first(), Some(EventKind::Started { action: started, .. }) if started == action),
            "action {action} started under run {run}: {own:?}"
        );
        assert!(own.iter().any(|k| matches!(k, EventKind::Progress { .. })), "{action}'s progress: {own:?}");
        assert!(matches!(own.last(), Some(EventKind::Result { .. })), "{action}'s result: {own:?}");
    }
    let record = RunStore::open(temp.path().join("ray.db")).expect("store").run(job.run_id.as_str()).expect("read");
    assert_eq!(record.expect("recorded by the job").status, RunStatus::Completed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ray_pipeline_failed_run_resumes_in_a_new_job() {
    let address = require_ray!();
    let temp = tempfile::tempdir().expect("temp dir");
    let journal = temp.path().join("journal");
    let fault = PathBuf::from(format!("{}.fail-4", journal.display()));
    std::fs::write(&fault, "").expect("fault");
    let events = Arc::new(MemorySink::new());
    let executor = RayPipelineExecutor::from_options(
        RunOptions::default()
            .ray_address(&address)
            .binary(STAGES)
            .plugin_code("stages-plugin")
            .plugin_dir(repo("tests/fixtures/stages"))
            .sink(events.clone()),
    )
    .expect("executor")
    .with_store(temp.path().join("runs.db"));
    let job = executor.submit("stages", json!({"journal": journal})).await.expect("submitted");
    let error = executor.wait(&job, None).await.expect_err("stage 4 fails");
    let text = error.to_string();
    assert!(text.contains("pipeline `stages` stopped at action 4 `stage4`"), "{text}");
    assert!(text.contains(&format!("pipeline resume {}", job.run_id)), "{text}");
    assert_eq!(executor.status(&job.id).await.expect("status").status, JobStatus::Failed);

    std::fs::remove_file(&fault).expect("clear the fault");
    let resumed = executor.resume_from(job.run_id.as_str()).await.expect("resume submitted");
    assert_ne!(resumed.id, job.id, "a new job");
    let result = executor.wait(&resumed, None).await.expect("the resumed run completes");
    assert_eq!(result, json!({"total": 55, "last": 10}));
    let text = std::fs::read_to_string(&journal).expect("journal");
    for number in 1..=10 {
        let starts = text.lines().filter(|l| *l == format!("start {number}")).count();
        assert_eq!(starts, if number == 4 { 2 } else { 1 }, "action {number}: {text}");
    }
    let skipped = events.events().iter().filter(|e| matches!(e.kind, EventKind::PipelineActionSkipped { .. })).count();
    assert_eq!(skipped, 3, "the completed actions were skipped, not run again");
    let missing = executor.resume_from("no-such-run").await.expect_err("unknown run");
    assert!(missing.to_string().contains("no run `no-such-run` in the run store"), "{missing}");
}

#[test]
fn ray_pipeline_cli_runs_on_ray_and_records_the_run() {
    let address = require_ray!();
    let temp = tempfile::tempdir().expect("temp dir");
    let store = temp.path().join("cli.db").to_string_lossy().into_owned();
    let params = json!({"work_dir": temp.path().join("cli"), "rows": 200, "epochs": 50}).to_string();
    let dir = repo("examples/dataset_pipeline").to_string_lossy().into_owned();
    let args = ["pipeline", "run", "dataset", "--mode", "job", "--ray-address", &address];
    let extra = ["--params", &params, "--store", &store, "--plugin-dir", &dir, "--run-id", "cli-run"];
    let ran = synapse_tests::run(DATASET, &[&args[..], &extra[..]].concat());
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let result: Value = serde_json::from_str(&ran.stdout).expect("JSON result");
    assert!(result["slope"].as_f64().is_some_and(|slope| (slope - 3.0).abs() < 0.1), "{result}");
    assert!(ran.stderr.contains("run `cli-run`"), "the run id given is the run's: {}", ran.stderr);
    let status = synapse_tests::run(DATASET, &["pipeline", "status", "cli-run", "--store", &store]);
    let record: Value = serde_json::from_str(&status.stdout).expect("JSON record");
    assert_eq!(record["status"], "completed", "the job recorded the run in the given store");

    let bad = synapse_tests::run(DATASET, &[&args[..], &["--params", r#"{"rows": 1}"#, "--store", &store]].concat());
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(bad.stderr.contains("$.work_dir: is required but missing"), "checked before submitting: {}", bad.stderr);
    assert!(bad.stderr.contains("$.rows: must be at least 10"), "{}", bad.stderr);
    assert!(!bad.stderr.contains("Ray job"), "nothing was submitted: {}", bad.stderr);
}
