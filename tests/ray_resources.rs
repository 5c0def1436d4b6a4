//! Resources against a real Ray head (one node, CPUs only): a request the cluster can satisfy
//! runs, and one no node can satisfy is refused before anything is submitted, naming the
//! resource, what was asked and what the largest node has.

use std::path::Path;
use synapse::EventKind;
use synapse::executor::ErrorKind;
use synapse_tests::{events, require_ray, run};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const PARAMS: &str = r#"{"input_path": "a", "output_path": "b"}"#;

fn plugin_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart").to_string_lossy().into_owned()
}

#[test]
fn ray_a_job_asking_for_a_cpu_runs_and_one_asking_for_a_gpu_is_refused_before_submitting() {
    let address = require_ray!();
    let dir = plugin_dir();
    let base = ["run", "process", "--params", PARAMS, "--ray-address", &address, "--plugin-dir", &dir, "--json"];
    let fits = run(QUICKSTART, &[&base[..], &["--mode", "job", "--cpus", "1", "--memory", "64MiB"]].concat());
    assert_eq!(fits.code, Some(0), "{}", fits.stderr);
    assert!(matches!(events(&fits.stdout).last().map(|e| &e.kind), Some(EventKind::Result { .. })), "{}", fits.stdout);

    // Other tests submit jobs to the same head meanwhile: the refused runs are told apart by
    // their run id (a job's entrypoint carries it) and their GPU request (no other test asks).
    let marker = format!("gpu-refusal-{}", std::process::id());
    for mode in ["job", "task"] {
        let refused =
            run(QUICKSTART, &[&base[..], &["--mode", mode, "--gpus", "1", "--run-id", marker.as_str()]].concat());
        assert_eq!(refused.code, Some(1), "{mode}: {}", refused.stderr);
        let Some(EventKind::Error { error }) = events(&refused.stdout).last().map(|e| e.kind.clone()) else {
            panic!("{mode}: the last event is not the error: {}", refused.stdout)
        };
        assert_eq!(error.kind, ErrorKind::Infrastructure, "{mode}: {}", error.message);
        assert!(
            error
                .message
                .contains("no Ray node can satisfy the job's GPU request: asked for 1, the most any node has is 0"),
            "{mode}: {}",
            error.message
        );
    }
    let jobs = synapse_tests::ray::get_json(&address, "/api/jobs/");
    let submitted: Vec<&serde_json::Value> = jobs
        .as_array()
        .into_iter()
        .flatten()
        .filter(|job| {
            job["entrypoint"].as_str().is_some_and(|entrypoint| entrypoint.contains(&marker))
                || job["entrypoint_num_gpus"].as_f64().is_some_and(|gpus| gpus > 0.0)
        })
        .collect();
    assert!(submitted.is_empty(), "nothing was submitted for the refused requests: {submitted:#?}");
}
