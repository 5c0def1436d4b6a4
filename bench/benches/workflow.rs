//! Orchestrator overhead per step: workflows of no-op steps, with events going to an in-memory
//! sink (every event is built, sequenced and stored) and to no sink at all.
//!
//! Compare with the Python original: `bench/peer/workflow_overhead.py`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse::steps::{StepHandle, StepRegistry};

/// A step that does nothing but report its progress once.
#[step(weight = 1.0)]
struct Noop;

impl Step<u64> for Noop {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, u64>, _: &mut ()) -> Result<()> {
        **cx += 1;
        cx.set_progress(1, 1);
        Ok(())
    }
}

/// A registry of `n` no-op steps with distinct names.
fn registry(n: usize) -> StepRegistry<u64> {
    let mut registry = StepRegistry::new();
    for i in 0..n {
        let name: &'static str = Box::leak(format!("noop_{i}").into_boxed_str());
        registry.register_handle(StepHandle::new(Noop).with_name(name)).expect("unique names");
    }
    registry
}

fn orchestrator(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut group = c.benchmark_group("orchestrator");
    for steps in [10usize, 100, 1000] {
        let registry = registry(steps);
        group.throughput(Throughput::Elements(steps as u64));
        group.bench_with_input(BenchmarkId::new("memory_sink", steps), &steps, |b, &steps| {
            b.iter(|| {
                let memory = Arc::new(MemorySink::new());
                let ctx = Context::builder("bench").sink(memory.clone()).build();
                let mut done = 0u64;
                let report = rt.block_on(registry.orchestrator().run(&ctx, &mut done));
                assert!(report.is_ok() && done == steps as u64);
                black_box(memory.take().len())
            })
        });
        group.bench_with_input(BenchmarkId::new("no_sink", steps), &steps, |b, &steps| {
            b.iter(|| {
                let ctx = Context::builder("bench").build();
                let mut done = 0u64;
                let report = rt.block_on(registry.orchestrator().run(&ctx, &mut done));
                assert!(report.is_ok() && done == steps as u64);
                black_box(report.map(|r| r.steps.len()).unwrap_or_default())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, orchestrator);
criterion_main!(benches);
