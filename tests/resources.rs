//! `--cpus`, `--gpus`, `--memory` and `--resource` on the plugin's command line: every mode that
//! runs on Ray sends them in its job submission (a stand-in dashboard records what it gets), and
//! a mode that does not run on Ray refuses them as a usage error with its `error` event. What a
//! real cluster answers to a request it cannot satisfy is in `tests/ray_resources.rs`.

use serde_json::{Value, json};
use std::path::Path;
use synapse::EventKind;
use synapse::executor::ErrorKind;
use synapse_tests::fake_ray::{Failure, FakeDashboard};
use synapse_tests::{events, run};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const DATASET: &str = env!("CARGO_BIN_EXE_dataset-pipeline-plugin");
const PARAMS: &str = r#"{"input_path": "a", "output_path": "b"}"#;
const ASKED: [&str; 10] =
    ["--cpus", "2", "--gpus", "0.5", "--memory", "1.5GiB", "--resource", "plugin_slot=1", "--resource", "tpu=4"];

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name).to_string_lossy().into_owned()
}

/// The resource fields of a Jobs API submission body.
fn requested(body: &Value) -> Value {
    json!({
        "cpus": body["entrypoint_num_cpus"],
        "gpus": body["entrypoint_num_gpus"],
        "memory": body["entrypoint_memory"],
        "custom": body["entrypoint_resources"],
    })
}

#[test]
fn every_mode_on_ray_sends_the_resources_in_its_submission() {
    let quickstart = example("quickstart");
    let dataset = example("dataset_pipeline");
    let store = tempfile::tempdir().expect("temp dir");
    let store = store.path().join("runs.db").to_string_lossy().into_owned();
    let commands: [(&str, &str, Vec<&str>); 3] = [
        ("job", QUICKSTART, vec!["run", "process", "--params", PARAMS, "--mode", "job", "--plugin-dir", &quickstart]),
        ("task", QUICKSTART, vec!["run", "process", "--params", PARAMS, "--mode", "task", "--plugin-dir", &quickstart]),
        (
            "pipeline job",
            DATASET,
            vec!["pipeline", "run", "dataset", "--params", r#"{"work_dir": "/tmp/w"}"#, "--mode", "job"],
        ),
    ];
    for (mode, binary, mut args) in commands {
        // Submissions are taken, then the dashboard goes away: the run fails, what it sent stays.
        let dashboard = FakeDashboard::start(Failure::VanishesMidRun { after_status: 1 });
        args.extend(["--ray-address", &dashboard.address, "--store", &store, "--plugin-dir", &dataset]);
        if binary == QUICKSTART {
            args.truncate(args.len() - 4);
        }
        args.extend(ASKED);
        let ran = run(binary, &args);
        let submissions = dashboard.submissions();
        let first = submissions.first().unwrap_or_else(|| panic!("{mode}: nothing was submitted:\n{}", ran.stderr));
        assert_eq!(
            requested(first),
            json!({"cpus": 2.0, "gpus": 0.5, "memory": 1_610_612_736_u64, "custom": {"plugin_slot": 1.0, "tpu": 4.0}}),
            "{mode}: {first}"
        );
    }
}

#[test]
fn a_mode_that_does_not_run_on_ray_refuses_resources_with_its_error_event() {
    let cases: [(&str, &str, Vec<&str>); 3] = [
        ("local", QUICKSTART, vec!["run", "process", "--params", PARAMS, "--gpus", "1"]),
        ("process", QUICKSTART, vec!["run", "process", "--params", PARAMS, "--mode", "process", "--gpus", "1"]),
        ("local", DATASET, vec!["pipeline", "run", "dataset", "--params", r#"{"work_dir": "/tmp/w"}"#, "--gpus", "1"]),
    ];
    for (mode, binary, mut args) in cases {
        let expected = format!("the run asks Ray for 1 GPU, but runs in `{mode}` mode");
        let shown = run(binary, &args);
        assert_eq!(shown.code, Some(2), "{mode}: {}", shown.stderr);
        assert!(shown.stderr.contains(&expected), "{mode}: {}", shown.stderr);
        args.push("--json");
        let emitted = run(binary, &args);
        assert_eq!(emitted.code, Some(2), "{mode}: {}", emitted.stderr);
        let events = events(&emitted.stdout);
        let Some(EventKind::Error { error }) = events.last().map(|event| &event.kind) else {
            panic!("{mode}: the last event is not the error: {}", emitted.stdout)
        };
        assert_eq!(error.kind, ErrorKind::Usage);
        assert!(error.message.contains(&expected), "{mode}: {}", error.message);
    }
}

#[test]
fn a_resource_flag_that_cannot_be_read_names_the_flag() {
    let cases = [
        (["--cpus", "-2"], "invalid value '-2' for '--cpus <N>': must be a number of zero or more (got `-2`)"),
        (["--memory", "16 parsecs"], "invalid value '16 parsecs' for '--memory <SIZE>': must be a size like `16GiB`"),
        (["--resource", "CPU=2"], "`CPU` is not a custom resource: use --cpus"),
    ];
    for (flag, expected) in cases {
        let shown = run(QUICKSTART, &[&["run", "process", "--params", PARAMS, "--mode", "job"][..], &flag].concat());
        assert_eq!(shown.code, Some(2), "{flag:?}: {}", shown.stderr);
        assert!(shown.stderr.contains(expected), "{flag:?}: {}", shown.stderr);
    }
}

#[test]
fn the_ray_token_and_the_worker_address_reach_the_cluster_from_the_command_line() {
    let quickstart = example("quickstart");
    for mode in ["job", "task"] {
        let dashboard = FakeDashboard::start(Failure::VanishesMidRun { after_status: 1 });
        let args = [
            "run",
            "process",
            "--params",
            PARAMS,
            "--mode",
            mode,
            "--plugin-dir",
            &quickstart,
            "--ray-address",
            &dashboard.address,
            "--ray-token",
            "s3cr3t",
            "--worker-bind",
            "127.0.0.1:45678",
        ];
        let ran = run(QUICKSTART, &args);
        assert!(!ran.stderr.contains("s3cr3t"), "{mode}: the token was shown:\n{}", ran.stderr);
        let authorizations = dashboard.authorizations();
        assert_eq!(authorizations.first(), Some(&Some("Bearer s3cr3t".to_owned())), "{mode}:\n{}", ran.stderr);
        let entrypoint = dashboard.submissions()[0]["entrypoint"].as_str().unwrap_or_default().to_owned();
        // The worker listens where it was told; a job's run has no worker.
        assert_eq!(entrypoint.contains("--bind 127.0.0.1:45678"), mode == "task", "{mode}: {entrypoint}");
    }
}
