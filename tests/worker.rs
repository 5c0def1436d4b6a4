//! The resident worker, run directly (task mode runs the same binary as a Ray job): it refuses
//! requests without its token, serves runs one at a time with the same events as a local run,
//! and a client that goes away cancels its run.

use serde_json::json;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::executor::ray::worker::{WORKER_LINE_MARKER, WORKER_TOKEN_VAR, WorkerAnnouncement};
use synapse::executor::ray::worker_client::WorkerClient;
use synapse::executor::{ErrorKind, ExecutionMode, RunOptions, run_plugin_with};
use synapse::{CancellationToken, EventKind, events::RunId};
use synapse_tests::{assert_same_events, assert_well_formed};

use faulty_plugin as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");
const TOKEN: &str = "a-test-token-of-32-characters-xx";

/// A worker process, killed when dropped.
struct Worker {
    child: Child,
    announcement: WorkerAnnouncement,
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(binary: &str) -> Worker {
    let mut child = Command::new(binary)
        .args(["worker", "--bind", "127.0.0.1:0"])
        .env(WORKER_TOKEN_VAR, TOKEN)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the worker");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("read the announcement");
    let json = line.trim().strip_prefix(WORKER_LINE_MARKER).unwrap_or_else(|| panic!("not an announcement: {line}"));
    let announcement: WorkerAnnouncement = serde_json::from_str(json).expect("announcement JSON");
    Worker { child, announcement }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

#[test]
fn a_worker_refuses_requests_without_its_token() {
    let worker = start(QUICKSTART);
    assert_eq!(worker.announcement.plugin, "quickstart");
    let rt = runtime();
    let wrong = WorkerClient::new(worker.announcement.addr, "not-the-token-at-all-no-no-no");
    assert!(!rt.block_on(wrong.healthy()));
    let error = rt.block_on(wrong.run("process", json!({}), RunId::random(), vec![], None)).expect_err("refused");
    assert!(
        error.to_string().contains("refused the run of `process`: 401 Unauthorized: missing or wrong worker token"),
        "{error}"
    );
    let right = WorkerClient::new(worker.announcement.addr, TOKEN);
    assert!(rt.block_on(right.healthy()));
}

#[test]
fn a_worker_run_matches_a_local_run() {
    let worker = start(QUICKSTART);
    let client = WorkerClient::new(worker.announcement.addr, TOKEN);
    let params = json!({"input_path": "in.csv", "output_path": "out.csv"});
    let rt = runtime();
    let remote = Arc::new(MemorySink::new());
    let from_worker =
        rt.block_on(client.run("process", params.clone(), RunId::random(), vec![remote.clone()], None)).expect("runs");
    let local = Arc::new(MemorySink::new());
    let options = RunOptions::default().sink(local.clone());
    let from_local =
        rt.block_on(run_plugin_with("quickstart", "process", params, ExecutionMode::Local, options)).expect("runs");
    assert_eq!(from_worker, from_local);
    assert_well_formed(&remote.events());
    assert_same_events(&remote.events(), &local.events());

    // The worker stays up: a second run works, and an invalid one reports its violations.
    let error = rt
        .block_on(client.run("process", json!({"batch_size": 0}), RunId::random(), vec![], None))
        .expect_err("invalid");
    assert_eq!(error.kind(), ErrorKind::InvalidParams);
    assert_eq!(error.violations().map(|v| v.len()), Some(3));
    let error = rt.block_on(client.run("nope", json!({}), RunId::random(), vec![], None)).expect_err("unknown");
    assert_eq!(error.kind(), ErrorKind::ActionNotFound);
}

#[test]
fn a_client_that_goes_away_cancels_its_run() {
    let worker = start(FAULTY);
    let client = WorkerClient::new(worker.announcement.addr, TOKEN);
    let rt = runtime();
    let memory = Arc::new(MemorySink::new());
    let cancel = CancellationToken::new();
    let (watch, sinks) = (memory.clone(), vec![memory.clone() as Arc<dyn synapse::events::EventSink>]);
    let first = client.clone();
    let token = cancel.clone();
    let error = rt.block_on(async move {
        let run = tokio::spawn(async move {
            first.run("wait", json!({"millis": 60_000}), RunId::random(), sinks, Some(token)).await
        });
        while !watch.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "waiting")) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        cancel.cancel();
        run.await.expect("join").expect_err("cancelled")
    });
    // Cancelling asks the worker to cancel the run, which ends as locally, with its own error
    // event (the action saw its token).
    assert_eq!(error.kind(), synapse::executor::ErrorKind::Cancelled, "{error}");
    let events = memory.events();
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed")));
    assert!(matches!(events.last().map(|e| &e.kind), Some(EventKind::Error { .. })), "the run's own error ends it");
    // The worker is free again: the next run is served.
    let result = rt
        .block_on(client.run("read_env", json!({"key": "NOTHING"}), RunId::random(), vec![], None))
        .expect("the worker serves the next run");
    assert_eq!(result["value"], -1);

    // A client that goes away (its connection dropped) cancels its run too.
    let gone = client.clone();
    rt.block_on(async move {
        let run =
            tokio::spawn(
                async move { gone.run("wait", json!({"millis": 60_000}), RunId::random(), vec![], None).await },
            );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        run.abort();
    });
    let result = rt
        .block_on(client.run("read_env", json!({"key": "NOTHING"}), RunId::random(), vec![], None))
        .expect("the worker serves the next run once the abandoned one stopped");
    assert_eq!(result["value"], -1);
}
