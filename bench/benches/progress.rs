//! Progress reporting in a hot loop: the cost of one `set_progress` call, with the progress
//! coalescing and a sink attached, next to the Python peer's `set_progress` figures.
//!
//! ```text
//! cargo bench -p synapse-bench --bench progress
//! ```
//!
//! Each `per_call/*` benchmark reports the time of one call. The calls count 1, 2, …, N of a
//! total N and start over at 1 (a restart, which is emitted too), so the figure includes the
//! amortized cost of every event the coalescing lets through (about 1,000 per pass for
//! N = 100,000; every call for N = 100) and of the final flush.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};
use synapse::LocalExecutor;
use synapse::events::EventSink;
use synapse::events::sink::JsonLinesSink;
use synapse::executor::RunOptions;
use synapse::prelude::*;
// The plugin's actions are found through the link-time registry: link the crate that has them.
use synapse_bench as _;

/// A JSON-lines sink writing to `std::io::sink()` (serialization and buffering included, no I/O).
fn jsonl() -> Arc<dyn EventSink> {
    Arc::new(JsonLinesSink::new(std::io::sink()))
}

fn context(sink: Option<Arc<dyn EventSink>>) -> Context {
    let builder = Context::builder("process");
    match sink {
        Some(sink) => builder.sink(sink).build(),
        None => builder.build(),
    }
}

/// A dev backend on a runtime of its own, with a job for each sink asked of it.
struct DevBackendForBench {
    runtime: tokio::runtime::Runtime,
    backend: synapse_dev_backend::RunningDevBackend,
}

impl DevBackendForBench {
    const TOKEN: &str = "bench-token";

    fn start() -> Self {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let backend = runtime
            .block_on(
                synapse_dev_backend::DevBackend::builder().token(Self::TOKEN).in_memory().bind("127.0.0.1:0").start(),
            )
            .expect("dev backend");
        DevBackendForBench { runtime, backend }
    }

    /// A sink reporting to a fresh job.
    fn job_sink(&self) -> synapse::backend::JobSink {
        let url = format!("{}_dev/jobs", self.backend.url());
        let job: serde_json::Value = self
            .runtime
            .block_on(async { reqwest::Client::new().post(url).json(&json!({})).send().await?.json().await })
            .expect("a job");
        let config = synapse::backend::BackendConfig::new(self.backend.url(), Self::TOKEN).expect("config");
        let client = synapse::backend::BackendClient::new(config).expect("client");
        synapse::backend::JobSink::new(client, job["id"].as_u64().unwrap_or_default())
    }
}

/// Times `iters` calls of `call(current, total)` counting up to `total` and starting over.
fn counting(iters: u64, total: u64, mut call: impl FnMut(u64, u64)) -> Duration {
    let mut current = 0;
    let start = Instant::now();
    for _ in 0..iters {
        current = if current == total { 1 } else { current + 1 };
        call(black_box(current), total);
    }
    start.elapsed()
}

fn per_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_call");
    group.throughput(Throughput::Elements(1));
    for total in [100_000_u64, 100] {
        // Figure (iii); peer: ConsoleLogger (tqdm) ≈ 5.1 µs/call at N = 100,000, ≈ 8.2 µs at
        // N = 100; NoOpLogger floor ≈ 2.7 µs.
        group.bench_function(format!("set_progress_jsonl_sink/N={total}"), |b| {
            b.iter_custom(|iters| {
                let ctx = context(Some(jsonl()));
                let elapsed = counting(iters, total, |current, total| ctx.set_progress(current, total));
                let start = Instant::now();
                ctx.finish();
                elapsed + start.elapsed()
            })
        });
        // The job contract: the run reports to a backend job (a dev backend in this process)
        // through `JobSink`; the hot path must not wait on the network (goal ≤ 20 ns/call).
        group.bench_function(format!("set_progress_job_sink/N={total}"), |b| {
            let backend = DevBackendForBench::start();
            b.iter_custom(|iters| {
                let sink: Arc<dyn EventSink> = Arc::new(backend.job_sink());
                let ctx = context(Some(sink));
                let elapsed = counting(iters, total, |current, total| ctx.set_progress(current, total));
                let start = Instant::now();
                ctx.finish();
                elapsed + start.elapsed()
            })
        });
        group.bench_function(format!("set_progress_no_sink/N={total}"), |b| {
            b.iter_custom(|iters| {
                let ctx = context(None);
                let elapsed = counting(iters, total, |current, total| ctx.set_progress(current, total));
                let start = Instant::now();
                ctx.finish();
                elapsed + start.elapsed()
            })
        });
        group.bench_function(format!("progress_handle_jsonl_sink/N={total}"), |b| {
            b.iter_custom(|iters| {
                let ctx = context(Some(jsonl()));
                let handle = ctx.progress("process");
                let elapsed = counting(iters, total, |current, total| handle.set(current, total));
                let start = Instant::now();
                ctx.finish();
                elapsed + start.elapsed()
            })
        });
        group.bench_function(format!("set_category_progress_jsonl_sink/N={total}"), |b| {
            b.iter_custom(|iters| {
                let ctx = context(Some(jsonl()));
                let elapsed =
                    counting(iters, total, |current, total| ctx.set_category_progress("process", current, total));
                let start = Instant::now();
                ctx.finish();
                elapsed + start.elapsed()
            })
        });
    }
    group.finish();
}

/// The peer's own method: run the `process` action with N = 100,000 and read the loop time it
/// reports (`loop_seconds`), here with a JSON-lines sink attached to the executor.
fn process_action(c: &mut Criterion) {
    const COUNT: u64 = 100_000;
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => panic!("cannot build a tokio runtime: {error}"),
    };
    let executor = LocalExecutor::from_options(RunOptions::default().sink(jsonl()));
    let mut group = c.benchmark_group("process_action");
    group.throughput(Throughput::Elements(COUNT));
    group.sample_size(30);
    group.bench_function("loop_seconds_jsonl_sink/N=100000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let result = rt.block_on(executor.execute("process", json!({"name": "bench", "count": COUNT})));
                match result.as_ref().map(|value| value["loop_seconds"].as_f64()) {
                    Ok(Some(seconds)) => total += Duration::from_secs_f64(seconds),
                    _ => panic!("the process action failed: {result:?}"),
                }
            }
            total
        })
    });
    group.finish();
}

criterion_group!(benches, per_call, process_action);
criterion_main!(benches);
