//! Cancelling the plugin binary: Ctrl-C and SIGTERM end a run with exit code 130 and its error
//! event, an action that blocks without looking at its token included, a workflow still rolls
//! back in every local mode, and a second interrupt exits at once. The rest of the command line
//! is tested in `cli.rs`.

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use synapse::EventKind;
use synapse_tests::{assert_well_formed, events};

const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

#[test]
fn ctrl_c_cancels_the_run_and_exits_130() {
    let mut child = Command::new(FAULTY)
        .args(["run", "wait", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the plugin");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut reader = BufReader::new(stdout);
    let mut seen = Vec::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).expect("read a line");
        assert!(read > 0, "the plugin ended before it started waiting: {seen:?}");
        let waiting = line.contains("\"event\":\"waiting\"");
        seen.push(line);
        if waiting {
            break;
        }
    }
    let interrupted = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("run kill");
    assert!(interrupted.success());
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut reader, &mut rest).expect("read the rest");
    let status = child.wait().expect("wait for the plugin");
    assert_eq!(status.code(), Some(130));
    let all: String = seen.concat() + &rest;
    let events = events(&all);
    assert_well_formed(&events);
    assert!(
        events.iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed")),
        "the action saw its token: {all}"
    );
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled);
}

/// Starts `faulty-plugin run block` with `params`, waits until it blocks, sends `signal`, and
/// returns its exit code, everything it printed on stdout, and how long it took to end after
/// the signal.
fn signal_a_blocked_action(params: &str, signal: &str) -> (Option<i32>, String, std::time::Duration) {
    signal_when_blocking(&["run", "block", "--json", "--params", params], signal)
}

/// Starts `faulty-plugin` with `args` (a `--json` run), waits for its `blocking` event, sends
/// `signal`, and returns its exit code, its stdout, and how long it took to end after it.
fn signal_when_blocking(args: &[&str], signal: &str) -> (Option<i32>, String, std::time::Duration) {
    let mut child =
        Command::new(FAULTY).args(args).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("start the plugin");
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("read a line") > 0, "ended before blocking: {seen}");
        let blocking = line.contains("\"event\":\"blocking\"");
        seen.push_str(&line);
        if blocking {
            break;
        }
    }
    let signalled = std::time::Instant::now();
    let sent = Command::new("kill").args([signal, &child.id().to_string()]).status().expect("run kill");
    assert!(sent.success());
    std::io::Read::read_to_string(&mut reader, &mut seen).expect("read the rest");
    let status = child.wait().expect("wait for the plugin");
    (status.code(), seen, signalled.elapsed())
}

#[test]
fn a_blocking_sync_action_is_cancelled_by_ctrl_c_and_sigterm() {
    // The action blocks for a minute (sleeping, or spinning on the CPU) and never looks at its
    // token: the run still ends cancelled, once the grace is over, with its error event.
    let cases = [
        (r#"{"millis": 60000}"#, "-INT"),
        (r#"{"millis": 60000}"#, "-TERM"),
        (r#"{"millis": 60000, "spin": true}"#, "-INT"),
    ];
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> =
            cases.iter().map(|(params, signal)| scope.spawn(|| signal_a_blocked_action(params, signal))).collect();
        running.into_iter().map(|run| run.join().expect("the case ran")).collect()
    });
    for ((params, signal), (code, stdout, took)) in cases.iter().zip(outcomes) {
        assert_eq!(code, Some(130), "{params} {signal}: {stdout}");
        assert!(took < std::time::Duration::from_secs(30), "{params} {signal}: ended after {took:?}");
        let events = events(&stdout);
        assert_well_formed(&events);
        let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
        assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled);
        assert!(
            error.message.contains("action `block` was cancelled: it did not stop within 5s of being cancelled"),
            "{}",
            error.message
        );
    }
}

#[test]
fn a_workflow_whose_step_blocks_past_the_grace_still_rolls_back_in_every_local_mode() {
    for mode in ["local", "process"] {
        let dir = tempfile::tempdir().expect("temp dir");
        let params = json!({"dir": dir.path(), "block_ms": 2000}).to_string();
        let args =
            ["run", "block_in_workflow", "--json", "--mode", mode, "--cancel-grace", "300ms", "--params", &params];
        let (code, stdout, _) = signal_when_blocking(&args, "-TERM");
        assert_eq!(code, Some(130), "{mode}: {stdout}");
        let events = events(&stdout);
        assert_well_formed(&events);
        let waited = events.iter().any(|e| {
            matches!(&e.kind, EventKind::LogLine { message, .. } if message.contains("waiting for it so that it can roll back"))
        });
        assert!(waited, "{mode}: the run said it waits for its workflow: {stdout}");
        let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("{mode}: no error") };
        assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled, "{mode}: {}", error.message);
        let rolled_back: Vec<(&str, bool)> =
            error.rollbacks.iter().map(|r| (r.step.as_str(), r.error.is_none())).collect();
        assert_eq!(rolled_back, [("block_thread", true), ("mark", true)], "{mode}: {}", error.message);
        assert!(!dir.path().join("mark.txt").exists(), "{mode}: the workflow rolled back");
    }
}

#[test]
fn a_blocking_sync_action_in_a_child_process_is_cancelled_not_lost() {
    let args =
        ["run", "block", "--json", "--mode", "process", "--cancel-grace", "300ms", "--params", r#"{"millis": 60000}"#];
    let (code, stdout, took) = signal_when_blocking(&args, "-INT");
    assert_eq!(code, Some(130), "{stdout}");
    assert!(took < std::time::Duration::from_secs(30), "ended after {took:?}");
    let events = events(&stdout);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled, "{}", error.message);
    assert!(error.message.contains("did not stop within 300ms"), "{}", error.message);
}

#[test]
fn a_second_interrupt_exits_at_once_and_still_ends_the_stream() {
    let mut child = Command::new(FAULTY)
        .args(["run", "block", "--json", "--params", r#"{"millis": 60000}"#])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the plugin");
    let mut reader = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut seen = String::new();
    while !seen.contains("\"event\":\"blocking\"") {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).expect("read a line") > 0, "ended before blocking: {seen}");
        seen.push_str(&line);
    }
    for _ in 0..2 {
        let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("run kill");
        assert!(sent.success());
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    std::io::Read::read_to_string(&mut reader, &mut seen).expect("read the rest");
    assert_eq!(child.wait().expect("wait").code(), Some(130));
    let events = events(&seen);
    assert_well_formed(&events);
    let Some(EventKind::Error { error }) = events.last().map(|e| &e.kind) else { panic!("no error event: {seen}") };
    assert_eq!(error.kind, synapse::executor::ErrorKind::Cancelled);
    assert!(error.message.contains("interrupted twice and exited at once"), "{}", error.message);
}
