//! The one executor contract: the same request through `Arc<dyn Executor>` in this process and
//! in a child process gives the same events and result on the run's handle; cancelling through
//! the handle cancels the run wherever it is; and a run that fails where no event can come from
//! still ends its handle's stream with exactly one `error` event.

use serde_json::json;
use std::sync::Arc;
use synapse::events::Event;
use synapse::executor::RunOptions;
use synapse::executor::{ErrorKind, Executor, ProcessExecutor, RunHandle, RunRequest};
use synapse::{EventKind, LocalExecutor};
use synapse_tests::{assert_same_events, assert_well_formed};

// Link the plugins the in-process runs run.
use faulty_plugin as _;
use quickstart as _;

const QUICKSTART: &str = env!("CARGO_BIN_EXE_quickstart-plugin");
const FAULTY: &str = env!("CARGO_BIN_EXE_faulty-plugin");

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

/// Every event of `handle`, then its outcome.
async fn drain(mut handle: RunHandle) -> (Vec<Event>, Result<serde_json::Value, synapse::RunError>) {
    let mut events = Vec::new();
    while let Some(event) = handle.next_event().await {
        events.push(event);
    }
    (events, handle.wait().await)
}

#[test]
fn one_request_gives_the_same_events_and_result_in_every_executor() {
    let params = json!({"input_path": "in.csv", "output_path": "out.csv"});
    let executors: [Arc<dyn Executor>; 2] =
        [Arc::new(LocalExecutor::new()), Arc::new(ProcessExecutor::new(QUICKSTART))];
    let runs = runtime().block_on(async {
        let mut runs = Vec::new();
        for executor in executors {
            let mode = executor.mode();
            runs.push((mode, drain(executor.start(RunRequest::new("process", params.clone()))).await));
        }
        runs
    });
    let (_, (local_events, local_result)) = &runs[0];
    let local_result = local_result.as_ref().expect("the local run succeeds");
    assert_eq!(local_result["status"], "completed");
    assert_well_formed(local_events);
    for (mode, (events, result)) in &runs[1..] {
        assert_eq!(result.as_ref().ok(), Some(local_result), "{mode}");
        assert_same_events(local_events, events);
        let terminal = events.iter().filter(|event| event.kind.is_terminal()).count();
        assert_eq!(terminal, 1, "{mode}: exactly one terminal event");
    }
}

#[test]
fn cancelling_the_handle_cancels_the_run_wherever_it_runs() {
    let executors: [Arc<dyn Executor>; 2] = [Arc::new(LocalExecutor::new()), Arc::new(ProcessExecutor::new(FAULTY))];
    runtime().block_on(async {
        for executor in executors {
            let mode = executor.mode();
            let mut handle = executor.start(RunRequest::new("wait", json!({"millis": 60_000})));
            // Cancelled once the action is under way.
            while let Some(event) = handle.next_event().await {
                if matches!(&event.kind, EventKind::Log { event, .. } if event == "waiting") {
                    break;
                }
            }
            handle.cancel();
            let (events, outcome) = drain(handle).await;
            let error = outcome.expect_err("a cancelled run fails");
            assert_eq!(error.kind(), ErrorKind::Cancelled, "{mode}: {error}");
            let observed = events
                .iter()
                .any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed"));
            assert!(observed, "{mode}: the action saw its token");
            assert!(
                matches!(events.last().map(|e| &e.kind), Some(EventKind::Error { .. })),
                "{mode}: ends with its error"
            );
        }
    });
}

#[test]
fn a_run_that_fails_before_any_event_still_ends_its_stream_with_the_error() {
    let missing = std::env::temp_dir().join("no-such-plugin-binary");
    let executor: Arc<dyn Executor> = Arc::new(ProcessExecutor::new(&missing));
    let (events, outcome) =
        runtime().block_on(async { drain(executor.start(RunRequest::new("process", json!({})))).await });
    let error = outcome.expect_err("nothing to run");
    assert_eq!(error.kind(), ErrorKind::Infrastructure);
    assert_eq!(events.len(), 1, "{events:?}");
    let EventKind::Error { error: report } = &events[0].kind else { panic!("not an error event: {events:?}") };
    assert!(
        report.message.contains(&format!("cannot start the plugin binary {}", missing.display())),
        "{}",
        report.message
    );
}

#[test]
fn a_resolved_action_runs_without_looking_it_up() {
    use synapse::action::RegisteredAction;
    let executor: Arc<dyn Executor> = Arc::new(LocalExecutor::new());
    let descriptor = quickstart::ProcessAction::descriptor();
    let request = RunRequest::new(descriptor, json!({"input_path": "a", "output_path": "b"}));
    let (events, outcome) = runtime().block_on(async { drain(executor.start(request)).await });
    assert_eq!(outcome.expect("it runs")["status"], "completed");
    assert!(matches!(&events[0].kind, EventKind::Started { plugin, .. } if plugin == "quickstart"), "{:?}", events[0]);
}

#[test]
fn the_executors_own_token_cancels_its_runs_and_the_runs_own_token_only_that_run() {
    runtime().block_on(async {
        let outer = synapse::CancellationToken::new();
        let executor: Arc<dyn Executor> =
            Arc::new(LocalExecutor::from_options(RunOptions::default().cancel(outer.clone())));
        // A run cancelled by its own token leaves the executor's token alone.
        let alone = executor.clone().start(RunRequest::new("wait", json!({"millis": 60_000})));
        alone.cancel();
        assert_eq!(alone.wait().await.expect_err("cancelled").kind(), ErrorKind::Cancelled);
        assert!(!outer.is_cancelled());
        // A run that ends by itself leaves it alone too; the executor's token then cancels the next one.
        let quick = executor.clone().start(RunRequest::new("wait", json!({"millis": 10})));
        assert!(quick.wait().await.is_ok());
        let long = executor.start(RunRequest::new("wait", json!({"millis": 60_000})));
        outer.cancel();
        assert_eq!(long.wait().await.expect_err("cancelled").kind(), ErrorKind::Cancelled);
    });
}
