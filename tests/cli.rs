//! The plugin binary, run as a user runs it: exit codes, messages, the JSON-lines stream,
//! panics, results, and the list, schema and config commands. Its params are tested in
//! `cli_params.rs`, cancelling it in `cli_cancellation.rs`.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};
use synapse::EventKind;
use synapse::executor::ray::UNREACHABLE_HINT;
use synapse_tests::{assert_well_formed, copy_dir, events, lines, run, run_in, tags};

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");
const DUPLICATE: &str = env!("CARGO_BIN_EXE_duplicate-plugin");

const GOOD: &str = r#"{"input_path": "/data/in.csv", "output_path": "/data/out.csv"}"#;

#[test]
fn process_prints_its_typed_result() {
    let ran = run(QUICKSTART, &["run", "process", "--params", GOOD]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let result: Value = serde_json::from_str(&ran.stdout).expect("the result is JSON on stdout");
    assert_eq!(result, json!({"status": "completed", "output_path": "/data/out.csv", "items_processed": 100}));
    assert!(ran.stderr.contains("metrics [process] items_processed=100"), "{}", ran.stderr);
    assert!(ran.stderr.contains("progress 100% (100/100)"), "{}", ran.stderr);
}

#[test]
fn json_mode_streams_events_that_match_the_published_schema() {
    let schema_text = run(QUICKSTART, &["schema", "--events"]);
    assert_eq!(schema_text.code, Some(0));
    let schema: Value = serde_json::from_str(&schema_text.stdout).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the event schema compiles");

    let ran = run(QUICKSTART, &["run", "process", "--json", "--params", GOOD]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert!(ran.stderr.is_empty(), "--json keeps stderr quiet: {}", ran.stderr);
    for line in lines(&ran.stdout) {
        let errors: Vec<String> = validator.iter_errors(&line).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{line} breaks the event schema: {errors:?}");
    }
    let events = events(&ran.stdout);
    assert_well_formed(&events);
    let progress: Vec<u64> = events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Progress { current, total: 100, category: None } => Some(current),
            _ => None,
        })
        .collect();
    assert_eq!(progress, (1..=100).collect::<Vec<_>>(), "a total of 100 delivers every value");
    assert_eq!(tags(&events)[..2], ["started", "log"]);
    let Some(EventKind::Result { value }) = events.last().map(|e| &e.kind) else { panic!("no result") };
    assert_eq!(value["items_processed"], 100);
}

#[test]
fn unknown_action_suggests_the_nearest() {
    let ran = run(QUICKSTART, &["run", "proces"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("unknown action `proces`; did you mean `process`?"), "{}", ran.stderr);
}

#[test]
fn a_failing_action_exits_1_with_its_cause_chain() {
    let ran = run(FAULTY, &["run", "fail", "--params", r#"{"reason": "disk on fire"}"#]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("action `fail` failed: could not open the dataset"), "{}", ran.stderr);
    assert!(ran.stderr.contains("caused by: disk on fire"), "{}", ran.stderr);

    let ran = run(FAULTY, &["run", "fail", "--json", "--params", r#"{"reason": "disk on fire"}"#]);
    let events = events(&ran.stdout);
    assert_well_formed(&events);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Failed);
    assert_eq!(error.causes, ["disk on fire"]);
    assert!(matches!(&events[1].kind, EventKind::Message { text, .. } if text == "about to fail"));
}

#[test]
fn a_panic_is_an_error_event_not_a_backtrace() {
    let ran = run(FAULTY, &["run", "explode"]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("action `explode` panicked: boom: no items (at "), "{}", ran.stderr);
    assert!(ran.stderr.contains("faulty/src/lib.rs:"), "the location is reported: {}", ran.stderr);
    assert!(!ran.stderr.contains("thread 'main' panicked"), "{}", ran.stderr);
    assert!(!ran.stderr.contains("RUST_BACKTRACE"), "{}", ran.stderr);

    let ran = run(FAULTY, &["run", "explode", "--json"]);
    assert_eq!(ran.code, Some(1));
    let events = events(&ran.stdout);
    assert_well_formed(&events);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Panicked);
    assert!(error.location.as_deref().is_some_and(|l| l.contains("lib.rs")));
    // Progress reported before the panic is still delivered.
    assert!(events.iter().any(|e| matches!(e.kind, EventKind::Progress { current: 1, total: 2, .. })));
}

#[test]
fn a_result_that_breaks_its_schema_fails_the_run() {
    let ran = run(FAULTY, &["run", "overscore"]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("action `overscore` failed: its result field `$.score` must be at most 100 (got 250)"),
        "{}",
        ran.stderr
    );
}

#[test]
fn a_nan_in_a_result_or_a_metric_is_named_not_lost() {
    let ran = run(FAULTY, &["run", "diverge"]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("action `diverge` failed: its result field `$.loss` is NaN, which JSON cannot carry"),
        "{}",
        ran.stderr
    );
    assert!(!ran.stderr.contains("got null"), "the cause is named, not the null it became:\n{}", ran.stderr);

    // Every line is an event the reader takes; the metric is kept (as null) with a warning,
    // and the infinite `best` (an `Option`, which may be null) is returned as null with one.
    let ran = run(FAULTY, &["run", "diverge", "--json"]);
    assert_eq!(ran.code, Some(1));
    let events = events(&ran.stdout);
    assert_well_formed(&events);
    let metrics = events.iter().find_map(|e| match &e.kind {
        EventKind::Metrics { category, values } => Some((category.as_str(), values.clone())),
        _ => None,
    });
    let (category, values) = metrics.expect("a metrics event");
    assert_eq!((category, values["loss"].clone(), values["epoch"].clone()), ("train", Value::Null, json!(1)));
    let warnings: Vec<&str> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::LogLine { level: synapse::LogLevel::Warning, message, .. } => Some(message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        warnings,
        [
            "metric `loss` of `train` is null: a NaN or infinite number has no JSON form",
            "result field `$.best` is infinity, which JSON cannot carry; it is returned as null",
        ]
    );
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::InvalidResult);
    let violations: Vec<(&str, &str)> =
        error.violations.iter().map(|v| (v.path.as_str(), v.constraint.as_str())).collect();
    assert_eq!(violations, [("$.loss", "finite")]);
}

#[test]
fn duplicate_action_names_are_reported_at_startup_naming_both() {
    let ran = run(DUPLICATE, &["list"]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("two actions are named `export`"), "{}", ran.stderr);
    assert!(ran.stderr.contains("duplicate/src/a/mod.rs:"), "{}", ran.stderr);
    assert!(ran.stderr.contains("duplicate/src/b/mod.rs:"), "{}", ran.stderr);
}

#[test]
fn list_and_schema_describe_the_actions() {
    let ran = run(QUICKSTART, &["list", "--json"]);
    assert_eq!(ran.code, Some(0));
    let listing: Value = serde_json::from_str(&ran.stdout).expect("list --json is JSON");
    assert_eq!(listing["plugin"]["code"], "quickstart");
    let names: Vec<&str> =
        listing["actions"].as_array().into_iter().flatten().filter_map(|a| a["name"].as_str()).collect();
    assert_eq!(names, ["process", "train"]);
    assert_eq!(listing["actions"][1]["input_type"], "yolo_dataset");
    assert_eq!(listing["actions"][1]["method"], "job");

    let ran = run(QUICKSTART, &["schema", "process"]);
    let schema: Value = serde_json::from_str(&ran.stdout).expect("schema is JSON");
    assert_eq!(schema["properties"]["batch_size"]["minimum"], 1);
    assert_eq!(schema["properties"]["batch_size"]["maximum"], 1024);
    assert_eq!(schema["properties"]["batch_size"]["default"], 32);
    assert_eq!(schema["properties"]["input_path"]["description"], "Path to input file");
    assert_eq!(schema["required"], json!(["input_path", "output_path"]));

    let ran = run(QUICKSTART, &["schema", "train", "--result"]);
    let schema: Value = serde_json::from_str(&ran.stdout).expect("result schema is JSON");
    assert_eq!(schema["title"], "TrainResult");

    let ran = run(FAULTY, &["schema", "fail", "--result"]);
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("untyped result"), "{}", ran.stderr);
}

#[test]
fn config_check_passes_on_the_committed_example_and_fails_with_a_diff_when_stale() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    let example_dir = example.to_string_lossy().into_owned();
    let ran = run(QUICKSTART, &["config", "--check", "--dir", &example_dir]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);

    let temp = tempfile::tempdir().expect("temp dir");
    copy_dir(&example.join("schemas"), &temp.path().join("schemas"));
    let committed = std::fs::read_to_string(example.join("config.yaml")).expect("read config.yaml");
    let stale = committed.replace("description: Process files with progress tracking.", "description: Old text.");
    std::fs::write(temp.path().join("config.yaml"), stale).expect("write config.yaml");
    std::fs::remove_file(temp.path().join("schemas/train.result.json")).expect("remove a schema");
    let dir = temp.path().to_string_lossy().into_owned();

    let ran = run(QUICKSTART, &["config", "--check", "--dir", &dir]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("-    description: Old text."), "{}", ran.stderr);
    assert!(ran.stderr.contains("+    description: Process files with progress tracking."), "{}", ran.stderr);
    assert!(ran.stderr.contains("schemas/train.result.json (missing)"), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("1 generated file(s) are missing from") && ran.stderr.contains("and 1 are stale"),
        "{}",
        ran.stderr
    );

    // A directory with nothing written yet: missing, not stale.
    let empty = tempfile::tempdir().expect("temp dir");
    let ran = run(QUICKSTART, &["config", "--check", "--dir", &empty.path().to_string_lossy()]);
    assert_eq!(ran.code, Some(1));
    assert!(
        ran.stderr.contains("generated file(s) are missing from") && !ran.stderr.contains("stale;"),
        "{}",
        ran.stderr
    );

    let ran = run(QUICKSTART, &["config", "--write", "--dir", &dir]);
    assert_eq!(ran.code, Some(0));
    let ran = run(QUICKSTART, &["config", "--check", "--dir", &dir]);
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    assert_eq!(std::fs::read_to_string(temp.path().join("config.yaml")).expect("read"), committed);
}

#[test]
fn the_environment_and_job_id_reach_the_action() {
    let temp = tempfile::tempdir().expect("temp dir");
    let env_file = temp.path().join("env.toml");
    std::fs::write(&env_file, "BATCH = 48\nTEXT = \"x\"\n").expect("write env file");
    let env_arg = env_file.to_string_lossy().into_owned();
    let ran = run_in(
        FAULTY,
        &["run", "read_env", "--params", r#"{"key": "BATCH"}"#, "--env-file", &env_arg, "--job-id", "job-7"],
        Some(temp.path()),
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let result: Value = serde_json::from_str(&ran.stdout).expect("JSON result");
    assert_eq!(result, json!({"value": 48, "job_id": "job-7"}));

    // In a child process too: the file's values (and only those) are forwarded.
    let ran = run(
        FAULTY,
        &["run", "read_env", "--params", r#"{"key": "BATCH"}"#, "--env-file", &env_arg, "--mode", "process"],
    );
    assert_eq!(ran.code, Some(0), "{}", ran.stderr);
    let result: Value = serde_json::from_str(&ran.stdout).expect("JSON result");
    assert_eq!(result, json!({"value": 48, "job_id": null}));

    let ran = run(FAULTY, &["run", "read_env", "--params", r#"{"key": "TEXT"}"#, "--env-file", &env_arg]);
    assert_eq!(ran.code, Some(1));
    assert!(ran.stderr.contains("`TEXT` (from file"), "{}", ran.stderr);
    assert!(ran.stderr.contains("must be an integer, got \"x\""), "{}", ran.stderr);
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(run(QUICKSTART, &[]).code, Some(2));
    assert_eq!(run(QUICKSTART, &["run"]).code, Some(2));
    assert_eq!(run(QUICKSTART, &["config", "--check", "--write"]).code, Some(2));
    let help = run(QUICKSTART, &["--help"]);
    assert_eq!(help.code, Some(0));
    assert!(help.stdout.contains("Usage: quickstart-plugin [OPTIONS] <COMMAND>"), "{}", help.stdout);
    assert!(help.stdout.contains("--log-level <FILTER>"), "{}", help.stdout);
    assert!(help.stdout.starts_with("The tutorial plugin"), "the plugin's description: {}", help.stdout);
    let version = run(QUICKSTART, &["--version"]);
    assert_eq!(version.stdout.trim(), "quickstart-plugin 0.1.0");
}

#[test]
fn remote_failures_are_shown_and_emitted_naming_what_and_where() {
    let params = r#"{"input_path": "a", "output_path": "b"}"#;
    // No Ray cluster given: a usage problem, exit 2, said on the console and in --json.
    let args = ["run", "process", "--params", params, "--mode", "job"];
    let mut command = Command::new(QUICKSTART);
    command.args(args).env_remove("SYNAPSE_RAY_ADDRESS").stdin(Stdio::null());
    let ran: synapse_tests::Ran = command.output().expect("run").into();
    assert_eq!(ran.code, Some(2));
    assert!(ran.stderr.contains("✖ job mode cannot run: no Ray cluster given"), "{}", ran.stderr);
    // Nothing listens at the address: exit 1, the address named, one error event with --json.
    for mode in ["task", "job"] {
        let ran = run(
            QUICKSTART,
            &["run", "process", "--params", params, "--mode", mode, "--ray-address", "http://127.0.0.1:9", "--json"],
        );
        assert_eq!(ran.code, Some(1), "{mode}: {}", ran.stderr);
        let events = events(&ran.stdout);
        assert_eq!(events.len(), 1, "{mode}: {}", ran.stdout);
        let EventKind::Error { error } = &events[0].kind else { panic!("{mode}: not an error: {}", ran.stdout) };
        assert_eq!(error.kind, synapse::executor::ErrorKind::Infrastructure);
        let expected =
            format!("Ray dashboard unreachable at http://127.0.0.1:9: connection refused ({UNREACHABLE_HINT})");
        assert_eq!(error.message, expected, "{mode}");
    }
}
