//! Pipelines: ordered chains of actions (download → convert → train) run as one unit.
//!
//! Declare one with [`#[pipeline]`](macro@crate::pipeline) over `#[action]` structs. At compile time
//! each action must accept the previous one's semantic output type. At run time each action's
//! result is merged into the accumulated params, from which the next action takes the fields
//! its params schema declares; the initial params are validated up front against what the
//! actions need that no earlier result provides ([`PipelineDescriptor::params_schema`]).
//!
//! Running a pipeline needs the `store` feature. Every run is recorded in an embedded SQLite
//! `store::RunStore` (default `.synapse/runs.db`), with a checkpoint committed after each
//! action; an interrupted run — a failure, a cancellation, a killed process — continues with
//! `PipelineRunner::resume`, which skips the completed actions and refuses a pipeline that
//! changed since the run started. The process driving a run claims it in the store, so two
//! resumes of one run never run its actions twice.
//!
//! ```
//! use synapse::prelude::*;
//! # #[cfg(feature = "store")]
//! use synapse::pipeline::{PipelineRunner, store::RunStore};
//! use std::sync::Arc;
//!
//! #[params] pub struct FetchParams { /** How many rows. */ pub rows: u32 }
//! #[output] pub struct Fetched { /** The rows fetched. */ pub rows: u32, /** Their sum. */ pub sum: u64 }
//! #[params] pub struct TrainParams { /** The sum to learn from. */ pub sum: u64, /** Epochs. */ #[param(default = 1)] pub epochs: u32 }
//!
//! #[action(output_type = synapse::types::Dataset)]
//! pub struct CountRows;
//! impl Action for CountRows {
//!     type Params = FetchParams;
//!     type Output = Fetched;
//!     async fn execute(&self, p: FetchParams, _: &Context) -> Result<Fetched> {
//!         Ok(Fetched { rows: p.rows, sum: (1..=u64::from(p.rows)).sum() })
//!     }
//! }
//!
//! #[action(input_type = synapse::types::Dataset)]
//! pub struct FitSum;
//! impl Action for FitSum {
//!     type Params = TrainParams;
//!     type Output = serde_json::Value;
//!     async fn execute(&self, p: TrainParams, _: &Context) -> Result<serde_json::Value> {
//!         Ok(serde_json::json!({ "model": p.sum * u64::from(p.epochs) }))
//!     }
//! }
//!
//! /// Fetch, then train.
//! #[pipeline]
//! pub struct FetchTrainPipeline(CountRows, FitSum);
//!
//! # #[cfg(feature = "store")]
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let runner = PipelineRunner::new(Arc::new(RunStore::in_memory()?));
//! let outcome = runner.run(FetchTrainPipeline::descriptor(), serde_json::json!({"rows": 4, "epochs": 2})).await?;
//! assert_eq!(outcome.result, serde_json::json!({"model": 20}));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

#[cfg(feature = "store")]
mod claim;
#[cfg(all(feature = "store", feature = "ray"))]
mod ray;
#[cfg(feature = "store")]
mod runner;
#[cfg(feature = "store")]
pub mod store;

pub use crate::action::chain::{ActionPrint, Fingerprint, chain_problems};
pub use crate::action::pipeline::{Pipeline, PipelineDescriptor, pipeline_params_schema};
#[cfg(all(feature = "store", feature = "ray"))]
pub use ray::RayPipelineExecutor;
#[cfg(feature = "store")]
pub use runner::{PipelineError, PipelineOutcome, PipelineRunner};
