//! Running actions in this process: `run_plugin`, `LocalExecutor`, the event stream, progress
//! coalescing, cancellation and panics.

use serde_json::json;
use std::sync::Arc;
use synapse::CancellationToken;
use synapse::events::sink::MemorySink;
use synapse::executor::ErrorKind;
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse::registry::registry;
use synapse::{EventKind, RunError};
use synapse::{ExecutionMode, LocalExecutor, run_plugin};
use synapse_tests::{assert_well_formed, tags};

// Link the plugins these tests run.
use faulty_plugin as _;
use image_pipeline as _;
use quickstart as _;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

#[test]
fn run_plugin_runs_the_quickstart_process_action() {
    let result = runtime().block_on(run_plugin(
        "quickstart",
        "process",
        json!({"input_path": "in.csv", "output_path": "out.csv", "batch_size": 64}),
        ExecutionMode::Local,
    ));
    assert_eq!(
        result.expect("process succeeds"),
        json!({"status": "completed", "output_path": "out.csv", "items_processed": 100})
    );
}

#[test]
fn the_event_stream_of_a_run_is_complete_and_ordered() {
    let memory = Arc::new(MemorySink::new());
    let executor = LocalExecutor::from_options(RunOptions::default().sink(memory.clone()).job_id("job-1"));
    let params = json!({"input_path": "in.csv", "output_path": "out.csv", "verbose": true});
    runtime().block_on(executor.execute("process", params)).expect("process succeeds");
    let events = memory.events();
    assert_well_formed(&events);
    let tags = tags(&events);
    assert_eq!(tags.iter().filter(|t| **t == "progress").count(), 100);
    assert_eq!(tags.iter().filter(|t| **t == "log").count(), 101, "process_start plus one per item");
    assert_eq!(tags[tags.len() - 2], "metrics");
    assert!(matches!(&events[0].kind, EventKind::Started { action, plugin, job_id: Some(job) }
        if action == "process" && plugin == "quickstart" && job == "job-1"));
    let times: Vec<_> = events.iter().map(|e| e.ts).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "timestamps never go back");
}

#[test]
fn unknown_plugins_modes_and_actions_are_typed_errors() {
    let rt = runtime();
    let error = rt.block_on(run_plugin("nope", "process", json!({}), ExecutionMode::Local)).unwrap_err();
    let RunError::PluginNotFound { available, .. } = &error else { panic!("{error}") };
    assert!(available.contains(&"quickstart".to_owned()) && available.contains(&"faulty-plugin".to_owned()));

    let error = rt.block_on(run_plugin("faulty_plugin", "process", json!({}), ExecutionMode::Local)).unwrap_err();
    assert!(matches!(error, RunError::ActionNotFound { .. }), "process belongs to another plugin: {error}");

    let error = rt.block_on(run_plugin("quickstart", "process", json!({}), ExecutionMode::Job)).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ModeUnavailable);
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn a_hot_progress_loop_is_coalesced_and_keeps_its_final_value() {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("hot").sink(memory.clone()).build();
    let total = 1_000_000;
    for i in 1..=total {
        ctx.set_progress(i, total);
    }
    let bar = ctx.progress("inner");
    for i in 1..=5_000 {
        bar.set(i, 5_000);
    }
    ctx.finish();
    let events = memory.events();
    let main: Vec<u64> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Progress { category: None, current, .. } => Some(*current),
            _ => None,
        })
        .collect();
    assert!((1_000..=1_200).contains(&main.len()), "bounded traffic: {} events", main.len());
    assert!(main.windows(2).all(|w| w[0] < w[1]), "monotone");
    assert_eq!(main.last(), Some(&total), "the final value is delivered");
    let inner =
        events.iter().filter(|e| matches!(&e.kind, EventKind::Progress { category: Some(c), .. } if c == "inner"));
    assert_eq!(
        inner.clone().next_back().map(|e| e.kind.clone()),
        Some(EventKind::Progress { category: Some("inner".into()), current: 5_000, total: 5_000 })
    );
    assert!(events.windows(2).all(|w| w[1].seq == w[0].seq + 1));
}

#[test]
fn progress_from_many_tasks_keeps_one_ordered_stream() {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("parallel").sink(memory.clone()).build();
    runtime().block_on(async {
        let tasks: Vec<_> = (0..4)
            .map(|t| {
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    let category = format!("worker-{t}");
                    for i in 1..=500 {
                        ctx.set_category_progress(&category, i, 500);
                        if i % 100 == 0 {
                            ctx.log("checkpoint", json!({ "worker": t, "at": i }));
                            tokio::task::yield_now().await;
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
    });
    ctx.finish();
    let events = memory.events();
    assert!(events.iter().enumerate().all(|(i, e)| e.seq == i as u64), "gap-free, in order");
    for t in 0..4 {
        let category = format!("worker-{t}");
        let last = events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Progress { category: Some(c), current, .. } if *c == category => Some(*current),
            _ => None,
        });
        assert_eq!(last, Some(500), "{category}");
    }
}

#[test]
fn cancelling_the_token_stops_the_action_which_sees_it() {
    let memory = Arc::new(MemorySink::new());
    let token = CancellationToken::new();
    let executor = LocalExecutor::from_options(RunOptions::default().sink(memory.clone()).cancel(token.clone()));
    let rt = runtime();
    let error = rt.block_on(async {
        let run = tokio::spawn(async move { executor.execute("wait", json!({"millis": 60_000})).await });
        while !memory.events().iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "waiting")) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        token.cancel();
        run.await.expect("join").expect_err("cancelled")
    });
    assert_eq!(error.kind(), ErrorKind::Cancelled);
    assert_eq!(error.exit_code(), 130);
    let events = memory.events();
    assert_well_formed(&events);
    assert!(events.iter().any(|e| matches!(&e.kind, EventKind::Log { event, .. } if event == "cancellation_observed")));
}

#[test]
fn a_panic_in_process_is_a_typed_error() {
    let error = runtime().block_on(LocalExecutor::new().execute("explode", json!({}))).unwrap_err();
    let RunError::Panicked { message, location, .. } = &error else { panic!("{error}") };
    assert_eq!(message, "boom: no items");
    assert!(location.as_deref().is_some_and(|l| l.contains("faulty/src/lib.rs")), "{location:?}");
}

#[test]
fn params_parse_with_defaults_and_report_every_violation() {
    let params = quickstart::ProcessParams::parse(json!({"input_path": "a", "output_path": "b"})).expect("valid");
    assert_eq!((params.batch_size, params.verbose), (32, false));

    let violations =
        quickstart::ProcessParams::parse(json!({"batch_size": 5000, "verbose": "yes", "extra": 1})).unwrap_err();
    let rendered: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "$.batch_size: must be at most 1024 (got 5000)",
            "$.extra: is not a known field (known fields: input_path, output_path, batch_size, verbose)",
            "$.input_path: is required but missing",
            "$.output_path: is required but missing",
            "$.verbose: must be a boolean (got string \"yes\")",
        ]
    );

    let violations = quickstart::TrainParams::parse(json!({"learning_rate": 0.0, "epochs": -1})).unwrap_err();
    let rendered: Vec<String> = violations.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        ["$.epochs: must be at least 1 (got -1)", "$.learning_rate: must be greater than 0.0 (got 0.0)"]
    );
}

#[test]
fn each_linked_plugin_is_reached_by_its_code() {
    let registry = registry().expect("a consistent registry");
    let quickstart = registry.for_plugin("quickstart").expect("quickstart is linked");
    assert_eq!(quickstart.names(), ["process", "train"]);
    assert_eq!(quickstart.plugin().name, "Quickstart");
    let faulty = registry.for_plugin("faulty_plugin").expect("codes match with - or _");
    assert_eq!(faulty.plugin().version, "0.3.0");
    let fail = faulty.action("fail").expect("fail");
    assert_eq!(faulty.category_of(fail), Category::DataValidation, "inherited from the plugin");
    assert!(registry.for_plugin("nothing").is_none());
}

#[test]
fn the_committed_config_of_every_example_matches_its_code() {
    let registry = registry().expect("registry");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (code, dir) in [("quickstart", "examples/quickstart"), ("image_pipeline", "examples/image_pipeline")] {
        let plugin = registry.for_plugin(code).expect("linked");
        let files = synapse::config::ConfigFiles::generate(&plugin);
        let stale = files.check(&root.join(dir));
        assert!(stale.is_empty(), "{dir} is stale:\n{}", stale.iter().map(ToString::to_string).collect::<String>());
        let loaded = synapse::config::PluginConfig::from_path(root.join(dir)).expect("the committed config loads");
        assert_eq!(loaded, files.config);
    }
}
