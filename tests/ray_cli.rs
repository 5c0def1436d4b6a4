//! The plugin CLI against a real Ray head: `run --mode job|task`, `run --detach`, and the
//! `jobs` subcommands a user looks after a submitted run with.

use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};
use synapse_tests::{Ran, require_ray, run};

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

/// The faulty plugin's own directory: shipped with its binary instead of the whole repository.
fn plugin_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/faulty").to_string_lossy().into_owned()
}

/// Runs the faulty plugin's CLI against `address`.
fn cli(address: &str, args: &[&str]) -> Ran {
    let mut all = args.to_vec();
    if args.first() == Some(&"jobs") {
        all.insert(1, "--ray-address");
        all.insert(2, address);
    } else {
        all.extend(["--ray-address", address]);
    }
    run(FAULTY, &all)
}

#[test]
fn ray_cli_runs_an_action_in_job_and_task_mode_with_its_env_file() {
    let address = require_ray!();
    let temp = tempfile::tempdir().expect("temp dir");
    let env_file = temp.path().join("env.toml");
    std::fs::write(&env_file, "BATCH = 48\n").expect("write env file");
    let env_arg = env_file.to_string_lossy().into_owned();
    let dir = plugin_dir();
    for mode in ["job", "task"] {
        let ran = cli(
            &address,
            &[
                "run",
                "read_env",
                "--params",
                r#"{"key": "BATCH"}"#,
                "--mode",
                mode,
                "--env-file",
                &env_arg,
                "--plugin-dir",
                &dir,
                "--job-id",
                "job-7",
            ],
        );
        assert_eq!(ran.code, Some(0), "{mode}: {}", ran.stderr);
        let result: Value = serde_json::from_str(&ran.stdout).expect("JSON result");
        assert_eq!(result, json!({"value": 48, "job_id": "job-7"}), "{mode}: the env file reached the action");
    }
}

#[test]
fn ray_cli_detached_job_is_followed_listed_and_logged() {
    let address = require_ray!();
    let dir = plugin_dir();
    let ran = cli(
        &address,
        &["run", "wait", "--params", r#"{"millis": 300}"#, "--mode", "job", "--detach", "--plugin-dir", &dir],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let id = ran.stdout.trim().to_owned();
    assert!(id.starts_with("faulty-plugin.wait."), "the job id is printed alone: {:?}", ran.stdout);
    assert!(ran.stderr.contains(&format!("jobs wait {id}")), "{}", ran.stderr);

    let waited = cli(&address, &["jobs", "wait", &id]);
    assert_eq!(waited.code, Some(0), "{}", waited.stderr);
    let result: Value = serde_json::from_str(&waited.stdout).expect("JSON result");
    assert_eq!(result, json!({"waited": 300}));

    let status = cli(&address, &["jobs", "status", &id]);
    assert_eq!(status.code, Some(0), "{}", status.stderr);
    let details: Value = serde_json::from_str(&status.stdout).expect("JSON details");
    assert_eq!(details["status"], "SUCCEEDED");
    assert_eq!(details["metadata"]["synapse.action"], "wait");

    let listed = cli(&address, &["jobs", "list"]);
    assert_eq!(listed.code, Some(0), "{}", listed.stderr);
    let line = listed.stdout.lines().find(|line| line.contains(&id)).expect("the job is listed");
    assert!(line.starts_with("SUCCEEDED") && line.contains("wait"), "{line}");

    let logs = cli(&address, &["jobs", "logs", &id]);
    assert_eq!(logs.code, Some(0), "{}", logs.stderr);
    assert!(logs.stdout.contains(r#""type":"result""#), "the log holds the event stream: {}", logs.stdout);
}

#[test]
fn ray_cli_stopped_job_waits_out_as_cancelled() {
    let address = require_ray!();
    let dir = plugin_dir();
    let ran = cli(
        &address,
        &["run", "wait", "--params", r#"{"millis": 120000}"#, "--mode", "job", "--detach", "--plugin-dir", &dir],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let id = ran.stdout.trim().to_owned();
    // Stop it once it runs, so the action itself sees the cancellation.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = cli(&address, &["jobs", "status", &id]);
        let details: Value = serde_json::from_str(&status.stdout).expect("JSON details");
        if details["status"] == "RUNNING" {
            break;
        }
        assert!(Instant::now() < deadline, "the job never ran: {details}");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let stopped = cli(&address, &["jobs", "stop", &id]);
    assert_eq!(stopped.code, Some(0), "{}", stopped.stderr);
    let waited = cli(&address, &["jobs", "wait", &id]);
    assert_eq!(waited.code, Some(130), "a stopped run exits as cancelled: {}", waited.stderr);
}

#[test]
fn ray_cli_detach_refuses_bad_params_without_submitting_and_other_modes() {
    let address = require_ray!();
    let before = cli(&address, &["jobs", "list"]).stdout.lines().count();
    let ran = cli(&address, &["run", "wait", "--params", r#"{"millis": -1}"#, "--mode", "job", "--detach"]);
    assert_eq!(ran.code, Some(2), "{}", ran.stderr);
    assert!(ran.stderr.contains("$.millis"), "the bad field is named: {}", ran.stderr);
    assert_eq!(cli(&address, &["jobs", "list"]).stdout.lines().count(), before, "nothing was submitted");

    let ran = cli(&address, &["run", "wait", "--mode", "process", "--detach"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("--detach is for `--mode job`"), "{}", ran.stderr);
}
