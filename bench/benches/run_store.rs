//! The run store's cost per pipeline action: `renew_claim` + `start_action` + `checkpoint`
//! (three durable transactions, what the runner writes per action), `checkpoint` alone, and `append_events` of a batch of 100 events, on a file
//! store (WAL, `synchronous = FULL`: every commit fsyncs) and, as the floor without I/O, in
//! memory.
//!
//! ```text
//! cargo bench -p synapse-bench --bench run_store
//! ```
//!
//! Runs have 10 actions; a new run is created (untimed) whenever one is done. The file store
//! lives in a temporary directory under `target/tmp`, on the same disk as the build, not in a
//! possibly memory-backed `/tmp`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime};
use synapse::pipeline::store::{Checkpoint, NewRun, RunStore};

/// Actions per run.
const ACTIONS: usize = 10;
/// Events per `append_events` batch.
const BATCH: usize = 100;

/// A store, file-backed in its own temporary directory (kept alive with it) or in memory.
struct Bench {
    store: RunStore,
    _dir: Option<tempfile::TempDir>,
    runs: usize,
}

impl Bench {
    fn file() -> Self {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a temporary directory under target/");
        let store = RunStore::open(dir.path().join("runs.db")).expect("open the run store");
        Self { store, _dir: Some(dir), runs: 0 }
    }

    fn memory() -> Self {
        Self { store: RunStore::in_memory().expect("an in-memory run store"), _dir: None, runs: 0 }
    }

    /// Creates the next run and returns its id.
    fn new_run(&mut self) -> String {
        self.runs += 1;
        let run_id = format!("run-{}", self.runs);
        let run = NewRun {
            run_id: run_id.clone(),
            pipeline: "bench".into(),
            fingerprint: "0123456789abcdef".into(),
            actions: (0..ACTIONS).map(|index| format!("action_{index}")).collect(),
            params: json!({"dataset": "coco", "epochs": 3, "batch_size": 32}),
        };
        self.store.create_run(&run).expect("create_run");
        self.store.claim_run(&run_id, OWNER, Duration::from_secs(30), |_| false).expect("claim_run");
        run_id
    }

    /// The time of `iters` actions, as `action(store, run_id, index)` measures each; a new run
    /// (untimed) every `ACTIONS` actions.
    fn actions(&mut self, iters: u64, mut action: impl FnMut(&RunStore, &str, usize) -> Duration) -> Duration {
        let mut elapsed = Duration::ZERO;
        let mut run_id = self.new_run();
        let mut index = 0;
        for _ in 0..iters {
            if index == ACTIONS {
                run_id = self.new_run();
                index = 0;
            }
            elapsed += action(&self.store, &run_id, index);
            index += 1;
        }
        elapsed
    }
}

/// The checkpoint of action `index`: a result and the params accumulated so far, as a pipeline
/// writes them.
fn checkpoint(run_id: &str, index: usize) -> Checkpoint {
    let mut params = json!({"dataset": "coco", "epochs": 3, "batch_size": 32});
    for earlier in 0..=index {
        params[format!("output_{earlier}")] = json!(format!("/data/run/action_{earlier}/output"));
    }
    Checkpoint {
        run_id: run_id.to_owned(),
        action_index: index,
        action_name: format!("action_{index}"),
        params_snapshot: params,
        result: json!({ format!("output_{index}"): format!("/data/run/action_{index}/output"), "items": 1000 }),
        created_at: SystemTime::now(),
    }
}

/// The owner of the benchmark's runs, as a runner claims them.
const OWNER: &str = "bench-host:1";

/// What the pipeline runner writes per action, all timed (the checkpoint is built outside the
/// clock): the claim renewed, `start_action`, then `checkpoint`.
fn start_and_checkpoint(store: &RunStore, run_id: &str, index: usize) -> Duration {
    let checkpoint = checkpoint(run_id, index);
    let start = Instant::now();
    store.renew_claim(run_id, OWNER).expect("renew_claim");
    store.start_action(run_id, index).expect("start_action");
    store.checkpoint(&checkpoint).expect("checkpoint");
    start.elapsed()
}

/// `start_action` untimed, then `checkpoint` timed.
fn checkpoint_only(store: &RunStore, run_id: &str, index: usize) -> Duration {
    let checkpoint = checkpoint(run_id, index);
    store.start_action(run_id, index).expect("start_action");
    let start = Instant::now();
    store.checkpoint(&checkpoint).expect("checkpoint");
    start.elapsed()
}

fn per_action(c: &mut Criterion) {
    let mut group = c.benchmark_group("per_action");
    group.throughput(Throughput::Elements(1));
    for (kind, make) in [("file_full_sync", Bench::file as fn() -> Bench), ("in_memory", Bench::memory)] {
        // The figure the run store's budget is about: ≤ 1 ms per action.
        group.bench_function(format!("renew_claim+start_action+checkpoint/{kind}"), |b| {
            let mut bench = make();
            b.iter_custom(|iters| bench.actions(iters, start_and_checkpoint))
        });
        group.bench_function(format!("checkpoint/{kind}"), |b| {
            let mut bench = make();
            b.iter_custom(|iters| bench.actions(iters, checkpoint_only))
        });
    }
    group.finish();
}

/// A batch of progress events, numbered from `first`, shaped like the event stream's.
fn events(first: usize) -> Vec<Value> {
    (first..first + BATCH)
        .map(|seq| {
            json!({
                "seq": seq,
                "ts": "2026-11-25T03:01:09.123456Z",
                "action": "train",
                "kind": "progress",
                "data": {"category": "train", "current": seq, "total": 100_000},
            })
        })
        .collect()
}

fn append_events(c: &mut Criterion) {
    let mut group = c.benchmark_group("append_events");
    group.throughput(Throughput::Elements(BATCH as u64));
    for (kind, make) in [("file_full_sync", Bench::file as fn() -> Bench), ("in_memory", Bench::memory)] {
        group.bench_function(format!("batch_of_{BATCH}/{kind}"), |b| {
            let mut bench = make();
            let run_id = bench.new_run();
            let mut first = 0;
            b.iter_custom(|iters| {
                let mut elapsed = Duration::ZERO;
                for _ in 0..iters {
                    let batch = events(first);
                    first += BATCH;
                    let start = Instant::now();
                    bench.store.append_events(&run_id, &batch).expect("append_events");
                    elapsed += start.elapsed();
                }
                elapsed
            })
        });
    }
    group.finish();
}

criterion_group!(benches, per_action, append_events);
criterion_main!(benches);
