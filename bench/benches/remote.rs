//! Running an action elsewhere: in a child process (process mode), per run.
//!
//! The plugin binary is this package's `peerplugin` (built by cargo for the bench); each
//! iteration spawns it, sends `noop` its params, and reads its event stream and result.

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use synapse::executor::ProcessExecutor;

const PLUGIN: &str = env!("CARGO_BIN_EXE_peerplugin");

fn process_mode(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let executor = ProcessExecutor::new(PLUGIN);
    let result = rt.block_on(executor.execute("noop", json!({"value": 3}))).expect("noop runs");
    assert_eq!(result, json!({"ok": true, "value": 3}));
    let mut group = c.benchmark_group("process_mode");
    group.sample_size(50);
    group.bench_function("noop_per_run", |b| {
        b.iter(|| rt.block_on(executor.execute("noop", json!({"value": 3}))).expect("noop runs"))
    });
    group.finish();
}

criterion_group!(benches, process_mode);
criterion_main!(benches);
