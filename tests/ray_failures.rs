//! The failures of remote runs that need a real Ray head: the process running the action dies,
//! and its Ray job is stopped from outside, in task and job mode. Each run ends with exactly one
//! `error` event naming the job and what became of it, and the exit code of the README's table
//! (the failures that need no cluster: `tests/remote_failures.rs`).

use serde_json::Value;
use std::path::Path;
use synapse::executor::ErrorKind;
use synapse_tests::{finish, require_ray, signal, start_waiting};

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

fn plugin_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faulty").to_string_lossy().into_owned()
}

/// An env file with a value of its own, so that a task-mode run gets a worker of its own
/// (workers are shared by runs with the same environment), found by that value.
fn own_worker_env(dir: &Path, tag: &str) -> String {
    let path = dir.join("env.toml");
    std::fs::write(&path, format!("WORKER_TAG = \"{tag}\"\n")).expect("write the env file");
    path.to_string_lossy().into_owned()
}

/// The submission id of the running worker job whose environment has `WORKER_TAG = tag`.
fn worker_job(address: &str, tag: &str) -> String {
    let jobs = synapse_tests::ray::get_json(address, "/api/jobs/");
    let found = jobs.as_array().into_iter().flatten().find(|job| {
        job["status"] == "RUNNING"
            && job["metadata"]["synapse.role"] == "worker"
            && job["runtime_env"]["env_vars"]["WORKER_TAG"] == tag
    });
    found.and_then(|job| job["submission_id"].as_str()).map(str::to_owned).expect("the worker's job is running")
}

#[test]
fn ray_job_mode_reports_a_dead_plugin_and_a_job_stopped_from_outside() {
    let address = require_ray!();
    let dir = plugin_dir();
    let args = ["--mode", "job", "--ray-address", &address, "--plugin-dir", &dir];

    let (child, reader, seen, pid) = start_waiting(FAULTY, &args);
    signal(pid, "-KILL");
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(1), "{}", error.message);
    assert_eq!(error.kind, ErrorKind::Lost, "{}", error.message);
    assert!(error.message.starts_with("the Ray job `"), "{}", error.message);
    assert!(error.message.contains("running action `wait` ended without reporting a result: the job ended FAILED"));

    let (child, reader, seen, _) = start_waiting(FAULTY, &args);
    let job = seen
        .lines()
        .find_map(|line| serde_json::from_str::<Value>(line).ok().filter(|e| e["type"] == "started"))
        .and_then(|started| started["job_id"].as_str().map(str::to_owned))
        .expect("the started event names the job");
    let stopped = synapse_tests::run(FAULTY, &["jobs", "--ray-address", &address, "stop", &job]);
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(130), "{}", error.message);
    assert_eq!(error.kind, ErrorKind::Cancelled, "{}", error.message);
}

#[test]
fn ray_task_mode_reports_a_dead_worker_and_a_worker_stopped_from_outside() {
    let address = require_ray!();
    let dir = plugin_dir();
    let temp = tempfile::tempdir().expect("temp dir");

    let env = own_worker_env(temp.path(), "dies");
    let args = ["--mode", "task", "--ray-address", &address, "--plugin-dir", &dir, "--env-file", &env];
    let (child, reader, seen, pid) = start_waiting(FAULTY, &args);
    let job = worker_job(&address, "dies");
    signal(pid, "-KILL");
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(1), "{}", error.message);
    assert_eq!(error.kind, ErrorKind::Lost, "{}", error.message);
    // Named with the node it ran on (the head, on loopback: this cluster's only node).
    let place = format!("the Ray worker `{job}` on node 127.0.0.1 (`");
    assert!(error.message.starts_with(&place), "{}", error.message);
    assert!(error.message.contains(") running action `wait`"), "{}", error.message);
    assert!(error.message.contains("its Ray job is FAILED"), "{}", error.message);
    assert!(!error.message.contains("Ray lost the node"), "the node is alive: {}", error.message);

    let env = own_worker_env(temp.path(), "stopped");
    let args = ["--mode", "task", "--ray-address", &address, "--plugin-dir", &dir, "--env-file", &env];
    let (child, reader, seen, _) = start_waiting(FAULTY, &args);
    let job = worker_job(&address, "stopped");
    let stopped = synapse_tests::run(FAULTY, &["jobs", "--ray-address", &address, "stop", &job]);
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    let (code, error) = finish(child, reader, seen);
    assert_eq!(code, Some(130), "{}", error.message);
    assert_eq!(error.kind, ErrorKind::Cancelled, "the worker cancelled its run as it stopped: {}", error.message);
}
