//! The benchmark plugin behaves like the Python peer's `peerplugin`: same params and
//! constraints, same results, same progress and metrics.

use std::sync::Arc;
use synapse::RunError;
use synapse::events::EventKind;
use synapse::events::sink::MemorySink;
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse::{ExecutionMode, LocalExecutor, run_plugin};
use synapse_bench::{NoopParams, ProcessParams};

const CODE: &str = "synapse-bench";

fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime").block_on(future)
}

#[test]
fn process_params_schema_matches_the_peer() {
    let schema = ProcessParams::json_schema();
    let properties = &schema["properties"];
    assert_eq!(schema["required"], json!(["name"]));
    assert_eq!(properties["name"]["minLength"], 1);
    assert_eq!(properties["name"]["maxLength"], 64);
    assert_eq!(properties["count"]["default"], 100);
    assert_eq!(properties["count"]["minimum"], 1);
    assert_eq!(properties["count"]["maximum"], 100_000);
    assert_eq!(properties["scale"]["default"], 1.0);
    assert_eq!(properties["scale"]["exclusiveMinimum"], 0.0);
    assert_eq!(properties["scale"]["maximum"], 10.0);
    assert_eq!(properties["tags"]["maxItems"], 8);
    assert_eq!(properties["verbose"]["default"], false);

    let noop = NoopParams::json_schema();
    assert_eq!(noop["properties"]["value"]["default"], 0);
    assert_eq!(noop["properties"]["value"]["minimum"], 0);
    assert_eq!(noop["properties"]["value"]["maximum"], 10);
}

#[test]
fn noop_returns_ok_and_its_value() {
    let result = block_on(run_plugin(CODE, "noop", json!({}), ExecutionMode::Local)).expect("noop runs");
    assert_eq!(result, json!({"ok": true, "value": 0}));
    let result = block_on(run_plugin(CODE, "noop", json!({"value": 7}), ExecutionMode::Local)).expect("noop runs");
    assert_eq!(result, json!({"ok": true, "value": 7}));
}

#[test]
fn process_reports_every_item_then_metrics() {
    let memory = Arc::new(MemorySink::new());
    let executor = LocalExecutor::from_options(RunOptions::default().sink(memory.clone()));
    let result = block_on(executor.execute("process", json!({"name": "shape", "count": 4}))).expect("process runs");
    assert_eq!(result["status"], "completed");
    assert_eq!(result["name"], "shape");
    assert_eq!(result["items_processed"], 4);
    assert_eq!(result["checksum"], 6.0);
    assert!(result["loop_seconds"].as_f64().is_some_and(|s| s >= 0.0));

    let kinds = memory.kinds();
    let progress: Vec<(u64, u64)> = kinds
        .iter()
        .filter_map(|kind| match kind {
            EventKind::Progress { current, total, .. } => Some((*current, *total)),
            _ => None,
        })
        .collect();
    assert_eq!(progress, [(1, 4), (2, 4), (3, 4), (4, 4)]);
    let metrics = kinds.iter().find_map(|kind| match kind {
        EventKind::Metrics { category, values } => Some((category.clone(), values.clone())),
        _ => None,
    });
    let (category, values) = metrics.expect("a metrics event");
    assert_eq!(category, "process");
    assert_eq!(Value::Object(values), json!({"items_processed": 4, "checksum": 6.0}));
}

#[test]
fn invalid_params_are_reported_with_their_paths() {
    let missing = block_on(run_plugin(CODE, "process", json!({"count": 5}), ExecutionMode::Local));
    let Err(RunError::InvalidParams(error)) = missing else { panic!("expected invalid params, got {missing:?}") };
    assert_eq!(error.violations.len(), 1);
    assert!(error.violations.at("$.name").is_some());

    let out_of_range =
        block_on(run_plugin(CODE, "process", json!({"name": "x", "count": 100_001}), ExecutionMode::Local));
    let Err(RunError::InvalidParams(error)) = out_of_range else { panic!("expected invalid params") };
    assert_eq!(error.violations.at("$.count").map(|v| v.constraint.as_str()), Some("maximum"));

    let many = block_on(run_plugin(
        CODE,
        "process",
        json!({"name": "", "scale": 0.0, "tags": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}),
        ExecutionMode::Local,
    ));
    let Err(RunError::InvalidParams(error)) = many else { panic!("expected invalid params") };
    let paths: Vec<&str> = error.violations.iter().map(|v| v.path.as_str()).collect();
    assert_eq!(paths, ["$.name", "$.scale", "$.tags"]);

    let noop = block_on(run_plugin(CODE, "noop", json!({"value": 11}), ExecutionMode::Local));
    assert!(matches!(noop, Err(RunError::InvalidParams(_))));
}
