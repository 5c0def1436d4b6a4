//! The benchmark plugin: the same plugin as the Python peer benchmark's `peerplugin`, written
//! the way a plugin author writes one.
//!
//! - `process` loops over `count` items, reports progress on every item and metrics at the end,
//!   and returns how long the loop took (`loop_seconds`), which is how the progress figure is
//!   measured from the outside;
//! - `noop` validates its params and returns at once (the per-invocation overhead figure);
//! - `spin` keeps one CPU busy for `millis` ms (the CPU-bound run of the cluster throughput
//!   figures, `cluster_figures`).
//!
//! The peer's third action, `workflow`, is a step workflow; it has no counterpart here.
//!
//! ```text
//! cargo run --release -p synapse-bench --bin peerplugin -- run noop
//! cargo run --release -p synapse-bench --bin peerplugin -- run process --params '{"name": "bench", "count": 1000}'
//! ```

pub mod backend_process;
pub mod child;
pub mod serve;

use std::time::Instant;
use synapse::prelude::*;

synapse::plugin!(name = "Peer Bench Plugin", category = Custom);

/// Parameters for the process action.
#[params]
#[derive(Debug, Clone)]
pub struct ProcessParams {
    /// Job name (required)
    #[param(length(min = 1, max = 64))]
    pub name: String,
    /// Number of items to process
    #[param(default = 100, range(min = 1, max = 100_000))]
    pub count: u32,
    /// Multiplier applied to each item
    #[param(default = 1.0, range(exclusive_min = 0.0, max = 10.0))]
    pub scale: f64,
    /// Labels attached to the job
    #[param(default, length(max = 8))]
    pub tags: Vec<String>,
    /// Log an event for every processed item
    #[param(default)]
    pub verbose: bool,
}

/// Result of the process action.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessResult {
    /// `completed` when every item was processed.
    pub status: String,
    /// The job name.
    pub name: String,
    /// How many items were processed.
    pub items_processed: u64,
    /// Sum of `(i % 7) * scale` over the items.
    pub checksum: f64,
    /// Seconds spent in the item loop (progress reporting included).
    pub loop_seconds: f64,
}

/// Loops N items, reports progress per item and metrics at the end.
#[action(name = "process", category = Custom)]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ProcessResult;

    async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
        let total = u64::from(params.count);
        let mut checksum = 0.0_f64;
        let start = Instant::now();
        for i in 0..total {
            checksum += (i % 7) as f64 * params.scale;
            ctx.set_progress(i + 1, total);
            if params.verbose {
                ctx.log("item_processed", json!({ "index": i }));
            }
        }
        let loop_seconds = start.elapsed().as_secs_f64();
        ctx.set_metrics(metrics! { items_processed: total, checksum: checksum }, "process");
        Ok(ProcessResult {
            status: "completed".into(),
            name: params.name,
            items_processed: total,
            checksum,
            loop_seconds,
        })
    }
}

/// Parameters for the trivial action.
#[params]
#[derive(Debug, Clone, Copy)]
pub struct NoopParams {
    /// A small number, echoed back
    #[param(default = 0, range(min = 0, max = 10))]
    pub value: u32,
}

/// Result of the trivial action.
#[output]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoopResult {
    /// Always true.
    pub ok: bool,
    /// The `value` param.
    pub value: u32,
}

/// Trivial action used for per-invocation overhead measurements.
#[action(name = "noop", category = Custom)]
pub struct NoopAction;

impl Action for NoopAction {
    type Params = NoopParams;
    type Output = NoopResult;

    async fn execute(&self, params: NoopParams, _ctx: &Context) -> Result<NoopResult> {
        Ok(NoopResult { ok: true, value: params.value })
    }
}

/// Parameters of the CPU-bound action.
#[params]
#[derive(Debug, Clone, Copy)]
pub struct SpinParams {
    /// How long to keep the CPU busy, in milliseconds.
    #[param(default = 50, range(min = 0, max = 10_000))]
    pub millis: u64,
}

/// Keeps one CPU busy (no sleeping) for `millis` ms and returns how many turns its loop made:
/// a run whose cost is CPU time, so that runs on more nodes finish sooner.
#[action(name = "spin", category = Custom)]
pub struct SpinAction;

impl Action for SpinAction {
    type Params = SpinParams;
    type Output = serde_json::Value;

    async fn execute(&self, params: SpinParams, _ctx: &Context) -> Result<serde_json::Value> {
        let until = Instant::now() + std::time::Duration::from_millis(params.millis);
        let mut turns = 0u64;
        while Instant::now() < until {
            turns = std::hint::black_box(turns.wrapping_add(1));
        }
        Ok(serde_json::json!({ "turns": turns }))
    }
}
