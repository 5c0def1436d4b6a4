//! The process executor: the plugin binary as a child process. Same result and same event
//! sequence as a local run; cancellation reaches the action; a killed child is a typed error.

use serde_json::json;
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::executor::{ErrorKind, ExecutionMode, ProcessExecutor, RunOptions, run_plugin_with};
use synapse::{CancellationToken, EventKind, RunError};
use synapse_tests::{assert_same_events, assert_well_formed};

use faulty_plugin as _;
use image_pipeline as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");
const IMAGES: &str = env!("CARGO_BIN_EXE_image-pipeline-plugin");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Runs the same action locally and in a child process; returns both outcomes and event lists.
fn both(
    code: &str,
    binary: &str,
    action: &str,
    params: serde_json::Value,
) -> [(Result<serde_json::Value, RunError>, Vec<synapse::Event>); 2] {
    let rt = runtime();
    [ExecutionMode::Local, ExecutionMode::Process].map(|mode| {
        let memory = Arc::new(MemorySink::new());
        let options = RunOptions::default().binary(binary).sink(memory.clone());
        let outcome = rt.block_on(run_plugin_with(code, action, params.clone(), mode, options));
        (outcome, memory.events())
    })
}

#[test]
fn a_child_process_gives_the_same_result_and_events_as_a_local_run() {
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "verbose": true});
    let [(local, local_events), (process, process_events)] = both("quickstart", QUICKSTART, "process", params);
    assert_eq!(local.expect("local"), process.expect("process"));
    assert_well_formed(&process_events);
    assert_same_events(&local_events, &process_events);
    assert_eq!(process_events.len(), 1 + 101 + 100 + 1 + 1);
}

#[test]
fn a_failing_workflow_fails_the_same_way_in_a_child_process() {
    let temp = tempfile::tempdir().expect("temp dir");
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/image_pipeline/samples");
    let params = json!({"input_dir": samples, "output_dir": temp.path().join("out"), "resize_width": 16, "fail_at": "generate_report"});
    let [(local, local_events), (process, process_events)] = both("image_pipeline", IMAGES, "process_images", params);
    let (local, process) = (local.expect_err("fails"), process.expect_err("fails"));
    assert_eq!(local.report(), process.report());
    assert_eq!(process.kind(), ErrorKind::Failed);
    assert_eq!(process.report().step.as_deref(), Some("generate_report"));
    assert_eq!(process.report().rollbacks.len(), 3);
    assert_same_events(&local_events, &process_events);
    assert!(!temp.path().join("out").exists());
}

#[test]
fn invalid_params_are_reported_with_every_path() {
    let rt = runtime();
    let error = rt
        .block_on(ProcessExecutor::new(QUICKSTART).execute("process", json!({"batch_size": 0, "bogus": 1})))
        .expect_err("invalid");
    assert_eq!(error.exit_code(), 2);
    let paths: Vec<&str> = error.violations().into_iter().flatten().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["$.batch_size", "$.bogus", "$.input_path", "$.output_path"]);
}

#[test]
fn cancelling_signals_the_child_whose_action_sees_it() {
    let rt = runtime();
    let memory = Arc::new(MemorySink::new());
    let token = CancellationToken::new();
    let executor =
        ProcessExecutor::from_options(RunOptions::default().binary(FAULTY).sink(memory.clone()).cancel(token.clone()))
            .expect("executor");
    let error = rt.block_on(async {
        let run = tokio::spawn(async move { executor.execute("wait", json!({"millis": 60_000})).await });
        while !memory.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "waiting")) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        token.cancel();
        run.await.expect("join").expect_err("cancelled")
    });
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    assert_eq!(error.exit_code(), 130);
    let events = memory.events();
    assert_well_formed(&events);
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed")));
}

#[test]
fn a_child_killed_mid_run_is_a_typed_error() {
    let rt = runtime();
    let memory = Arc::new(MemorySink::new());
    let executor =
        ProcessExecutor::from_options(RunOptions::default().binary(FAULTY).sink(memory.clone())).expect("executor");
    let error = rt.block_on(async {
        let run = tokio::spawn(async move { executor.execute("wait", json!({"millis": 60_000})).await });
        let pid = loop {
            let found = memory.events().iter().find_map(|e| match &e.kind {
                EventKind::Log { event, data, .. } if event == "waiting" => data["pid"].as_u64(),
                _ => None,
            });
            if let Some(pid) = found {
                break pid;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        let killed = std::process::Command::new("kill").args(["-KILL", &pid.to_string()]).status().expect("kill");
        assert!(killed.success());
        run.await.expect("join").expect_err("killed")
    });
    let RunError::Lost { action, reason, .. } = &error else { panic!("{error}") };
    assert_eq!(action, "wait");
    assert!(reason.contains("SIGKILL"), "{reason}");
    assert_eq!(error.exit_code(), 1);
}

#[test]
fn a_missing_binary_is_a_clear_error() {
    let rt = runtime();
    let error =
        rt.block_on(ProcessExecutor::new("/nonexistent/plugin").execute("process", json!({}))).expect_err("no binary");
    assert!(error.to_string().starts_with("cannot start the plugin binary /nonexistent/plugin: "), "{error}");
}

#[test]
fn a_child_rolling_back_after_the_grace_is_not_killed() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let memory = Arc::new(MemorySink::new());
    let token = CancellationToken::new();
    // The child's rollback takes 800 ms, far past this executor's 100 ms grace.
    let executor = ProcessExecutor::from_options(
        RunOptions::default()
            .binary(FAULTY)
            .sink(memory.clone())
            .cancel(token.clone())
            .grace(std::time::Duration::from_millis(100)),
    )
    .expect("executor");
    let params = json!({"dir": dir.path(), "undo_millis": 800});
    let error = rt.block_on(async {
        let run = tokio::spawn(async move { executor.execute("undo_slowly", params).await });
        while !memory.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "marked")) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        token.cancel();
        run.await.expect("join").expect_err("cancelled")
    });
    assert_eq!(error.kind(), ErrorKind::Cancelled, "{error}");
    let report = error.report();
    let rollbacks: Vec<(&str, bool)> = report.rollbacks.iter().map(|r| (r.step.as_str(), r.error.is_none())).collect();
    assert_eq!(rollbacks, [("mark_and_wait", true)], "{error}");
    assert!(!dir.path().join("mark.txt").exists(), "the rollback ran to its end");
    assert_well_formed(&memory.events());
}

#[test]
fn a_child_writing_anything_to_its_pipes_never_stops_the_stream() {
    let rt = runtime();
    let memory = Arc::new(MemorySink::new());
    let executor =
        ProcessExecutor::from_options(RunOptions::default().binary(FAULTY).sink(memory.clone())).expect("executor");
    let params = json!({"log_bytes": 1 << 20, "noise_lines": 2000});
    let result = rt.block_on(executor.execute("noisy", params)).expect("the run ends with its result");
    assert_eq!(result, json!({"logged": 1 << 20}));
    let events = memory.events();
    assert_well_formed(&events);
    let logged = events.iter().find_map(|e| match &e.kind {
        EventKind::LogLine { message, .. } if message.len() > 1000 => Some(message.clone()),
        _ => None,
    });
    let logged = logged.expect("the 1 MiB log line arrived");
    assert_eq!(logged.len(), 1 << 20);
    assert!(logged.bytes().all(|b| b == b'x'), "nothing landed inside it");
}
