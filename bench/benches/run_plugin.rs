//! Per-invocation overhead: `run_plugin(code, "noop", {}, Local)` and the layers under it,
//! and the validation-failure path, each next to the Python peer's figure it compares to.
//!
//! ```text
//! cargo bench -p synapse-bench --bench run_plugin
//! ```
//!
//! Every async call is driven by one tokio current-thread runtime's `block_on`; the cost of
//! `block_on` itself is measured too (`block_on/ready`), as the floor.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use synapse::events::sink::JsonLinesSink;
use synapse::executor::RunOptions;
use synapse::prelude::*;
use synapse::{ExecutionMode, LocalExecutor, run_plugin};
use synapse_bench::{NoopAction, NoopParams, ProcessParams};

/// The plugin code, as `run_plugin` callers name it (the package name).
const CODE: &str = "synapse-bench";

fn runtime() -> tokio::runtime::Runtime {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("cannot build a tokio runtime: {error}"),
    }
}

fn invocation(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("invocation");

    // Figure (ii); peer: run_plugin(dir, 'noop', {}, mode='local') ≈ 2,100 µs (discovery from
    // config.yaml on every call), ≈ 97 µs with action_cls=NoopAction.
    group.bench_function("run_plugin_noop", |b| {
        b.iter(|| rt.block_on(run_plugin(black_box(CODE), "noop", json!({}), ExecutionMode::Local)))
    });

    // Peer: LocalExecutor().execute(NoopAction, {}) ≈ 88 µs (it prints a `Result:` line).
    group.bench_function("local_executor_new_execute_noop", |b| {
        b.iter(|| rt.block_on(LocalExecutor::new().execute(black_box("noop"), json!({}))))
    });

    // The same with every event written as a JSON line (to io::sink()): the like-for-like of
    // the peer's executor, which always logs to the console.
    let sink = Arc::new(JsonLinesSink::new(std::io::sink()));
    group.bench_function("local_executor_execute_noop_jsonl_sink", |b| {
        b.iter(|| {
            rt.block_on(
                LocalExecutor::from_options(RunOptions::default().sink(sink.clone()))
                    .execute(black_box("noop"), json!({})),
            )
        })
    });

    // Peer: NoopAction.dispatch({}, ctx) with a prebuilt context ≈ 4.3 µs
    // (validate params, build the action, execute).
    let ctx = Context::builder("noop").build();
    group.bench_function("dispatch_noop_prebuilt_ctx", |b| {
        b.iter(|| {
            rt.block_on(async {
                match NoopParams::parse(json!({})) {
                    Ok(params) => NoopAction.execute(params, black_box(&ctx)).await.ok(),
                    Err(_) => None,
                }
            })
        })
    });

    // Peer: NoopParams.model_validate({}) ≈ 1.43 µs (validate and construct).
    group.bench_function("params_parse_noop", |b| b.iter(|| NoopParams::parse(black_box(json!({})))));

    // The floor: block_on of a ready future.
    group.bench_function("block_on_ready", |b| b.iter(|| rt.block_on(async { black_box(1) })));
    group.finish();
}

fn validation_failure(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("validation");

    // Figure (iv); peer: missing required field via run_plugin(dir, …) ≈ 2,198 µs,
    // ≈ 80 µs with action_cls= (no YAML).
    group.bench_function("run_plugin_process_missing_required", |b| {
        b.iter(|| {
            let outcome = rt.block_on(run_plugin(CODE, "process", json!({"count": 5}), ExecutionMode::Local));
            assert!(outcome.is_err());
            outcome
        })
    });

    // Peer: int out of range (le) ≈ 2,078 µs.
    group.bench_function("run_plugin_process_out_of_range", |b| {
        b.iter(|| {
            let outcome =
                rt.block_on(run_plugin(CODE, "process", json!({"name": "x", "count": 100_001}), ExecutionMode::Local));
            assert!(outcome.is_err());
            outcome
        })
    });

    // Peer: success reference, process with count=1 ≈ 2,265 µs.
    group.bench_function("run_plugin_process_count1_ok", |b| {
        b.iter(|| {
            let outcome =
                rt.block_on(run_plugin(CODE, "process", json!({"name": "x", "count": 1}), ExecutionMode::Local));
            assert!(outcome.is_ok());
            outcome
        })
    });

    // Peer: bare pydantic model_validate failure (missing) ≈ 2.27 µs.
    group.bench_function("params_parse_process_missing_required", |b| {
        b.iter(|| {
            let outcome = ProcessParams::parse(black_box(json!({"count": 5})));
            assert!(outcome.is_err());
            outcome
        })
    });
    group.finish();
}

criterion_group!(benches, invocation, validation_failure);
criterion_main!(benches);
