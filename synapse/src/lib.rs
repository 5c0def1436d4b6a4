//! # synapse
//!
//! Typed ML-ops plugins. Annotate structs and functions; get validated params with JSON
//! Schemas, link-time registration, a generated `config.yaml`, one structured event stream
//! (logs, progress, metrics), and a plugin binary with a CLI — with no glue code.
//!
//! ```
//! use synapse::prelude::*;
//!
//! /// Parameters for the process action.
//! #[params]
//! pub struct ProcessParams {
//!     /// Path to input file
//!     pub input_path: String,
//!     /// Items per batch.
//!     #[param(default = 32, range(min = 1, max = 1024))]
//!     pub batch_size: u32,
//! }
//!
//! #[output]
//! pub struct ProcessResult {
//!     pub status: String,
//!     pub items_processed: u64,
//! }
//!
//! /// Process files with progress tracking.
//! #[action(name = "process", category = Custom)]
//! pub struct ProcessAction;
//!
//! impl Action for ProcessAction {
//!     type Params = ProcessParams;
//!     type Output = ProcessResult;
//!
//!     async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
//!         let total = 100;
//!         for i in 0..total {
//!             ctx.set_progress(i + 1, total);
//!         }
//!         ctx.set_metrics(metrics! { items_processed: total }, "process");
//!         Ok(ProcessResult { status: "completed".into(), items_processed: total })
//!     }
//! }
//!
//! # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
//! # use synapse::LocalExecutor;
//! let result = rt.block_on(LocalExecutor::new().execute("process", serde_json::json!({"input_path": "in.csv"}))).unwrap();
//! assert_eq!(result["items_processed"], 100);
//! ```
//!
//! A plugin binary is one line: `synapse::main!();` gives it `run`, `list`, `schema` and
//! `config` subcommands (see [`cli`]).
//!
//! The pieces: [`action`](mod@action) (actions, categories, data types), [`params`](mod@params) (params and their
//! validation), [`context`] (what an action sees), [`events`] (the event stream and its sinks),
//! [`registry`] (the link-time registry), [`executor`] (running actions).
//!
//! ## Features
//!
//! A plugin binary is built with what it uses: by default, everything a plugin author writes and
//! the CLI's `run` in `local` and `process` modes, `list`, `schema` and `config`. What is heavy to
//! build and serves only some plugins is opt-in:
//!
//! | feature | adds | builds |
//! |---|---|---|
//! | `ray` | `run --mode task\|job`, `run --detach`, `jobs`, `worker`; `synapse::executor::ray` | an HTTP client and server, zip, BLAKE3, an ELF writer |
//! | `tls` | HTTPS to Ray dashboards (implies `ray`) | rustls |
//! | `store` | `pipeline run\|resume\|status\|runs` (with `ray`: `--mode job` too); `PipelineRunner`, `synapse::pipeline::store` | SQLite, compiled from source |
//! | `discovery` | `synapse::discovery` (a plugin's actions from its source, its `config.yaml` or a registry); reading a `config.yaml` (`PluginConfig::from_path`) | syn and proc-macro2 for the plugin itself (with span locations), a YAML reader |
//!
//! `synapse = { version = "0.1", features = ["ray", "store"] }` for a plugin that runs on Ray
//! and records pipeline runs. A command that needs a feature the binary was built without
//! says so and exits with 2, naming the feature; declaring a pipeline (`#[pipeline]`, `pipeline
//! list`, `config.yaml`) needs none.

extern crate self as synapse;

pub mod action;
pub mod cli;
pub mod config;
pub mod context;
#[cfg(feature = "discovery")]
pub mod discovery;
pub mod error;
pub mod events;
pub mod executor;
mod features;
pub mod params;
pub mod pipeline;
pub mod registry;
pub mod steps;

pub use action::{Action, ActionDescriptor, ActionOutput, Category, DataType, DataTypeInfo, RunMethod, types};
pub use context::{Context, Logger, PluginEnvironment};
#[cfg(feature = "discovery")]
pub use discovery::{DiscoveredAction, DiscoveryError, PluginDiscovery};
pub use error::{Cancelled, Error, Result};
pub use events::{Event, EventKind, LogLevel, Metrics};
pub use executor::{ErrorReport, ExecutionMode, LocalExecutor, RunError, run_plugin};
pub use params::{NoParams, Params, ParamsError, Violation, Violations};
#[doc(no_inline)]
pub use serde_json;
/// JSON values, for untyped params, results and event data.
pub use serde_json::{Value, json};
/// The tokio that runs actions: `synapse::tokio::time::sleep`, `synapse::tokio::fs`, without a
/// dependency (and a version to keep in step) of the plugin's own.
pub use tokio;
/// The token that cancels a run (see [`Context::cancellation_token`]).
pub use tokio_util::sync::CancellationToken;

/// Registers an action: on a struct that implements [`Action`] (recommended), or on a plain or
/// async fn taking its params (and optionally `ctx: &Context`) and returning a `Result`.
///
/// | argument | meaning | default |
/// |---|---|---|
/// | `name = "…"` | the action name (lowercase, digits, `_`, `-`) | snake_case of the type or fn, minus an `Action` suffix |
/// | `category = NeuralNet` | one of [`Category`]'s variants | the plugin's category |
/// | `description = "…"` | what it does | the doc comment's first paragraph |
/// | `method = Job` | one of [`RunMethod`]'s variants | `Job` for train/export/upload/…, `Serve` for inference, else `Task` |
/// | `input_type = T` / `output_type = T` | semantic [`DataType`]s | none |
/// | `crate = path` | where `synapse` is, if renamed | `::synapse` |
///
/// ```
/// use synapse::prelude::*;
/// use synapse::types::{YoloDataset, ModelWeights};
///
/// #[params]
/// pub struct TrainParams {
///     #[param(default = 10, range(min = 1))]
///     pub epochs: u32,
/// }
///
/// /// Train a detector.
/// #[action(category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
/// async fn train(params: TrainParams, ctx: &Context) -> Result<serde_json::Value> {
///     for epoch in 1..=params.epochs {
///         ctx.set_category_progress("train", epoch.into(), params.epochs.into());
///     }
///     Ok(serde_json::json!({ "epochs": params.epochs }))
/// }
///
/// let registry = synapse::registry::registry().unwrap();
/// let train = registry.action("train").unwrap();
/// assert_eq!(train.meta().method, RunMethod::Job);
/// assert_eq!(train.meta().input_type.unwrap().name, "yolo_dataset");
/// ```
pub use synapse_macros::action;

/// Makes a struct (or enum) an action's params: derives its JSON Schema, serialization and
/// deserialization from one definition, and validation against that schema.
///
/// Doc comments become descriptions. Unknown fields are rejected (`#[params(allow_unknown_fields)]`
/// to accept them). Field attributes (`#[param(...)]`):
///
/// | key | meaning |
/// |---|---|
/// | `default` / `default = expr` | the field may be omitted |
/// | `range(min = …, max = …, exclusive_min = …, exclusive_max = …)` | numeric bounds |
/// | `length(min = …, max = …)` | string length or list size |
/// | `pattern = "regex"` | strings must match |
/// | `rename = "…"` | the field's JSON name |
/// | `description = "…"` | overrides the doc comment |
/// | `example = expr` | an example value for UIs |
///
/// serde and schemars attributes work too. Enums are written in snake_case.
///
/// ```
/// use synapse::prelude::*;
///
/// #[params]
/// pub enum Mode { Fast, Thorough }
///
/// #[params]
/// pub struct Options {
///     #[param(default = "fast")]
///     pub label: String,
///     #[param(length(max = 8))]
///     pub tags: Vec<String>,
///     pub mode: Mode,
/// }
///
/// let schema = Options::json_schema();
/// assert_eq!(schema["properties"]["tags"]["maxItems"], 8);
/// assert_eq!(schema["additionalProperties"], false);
/// let options = Options::parse(serde_json::json!({"tags": [], "mode": "thorough"})).unwrap();
/// assert_eq!(options.label, "fast");
/// ```
pub use synapse_macros::params;

/// Makes a struct (or enum) an action's typed result: its schema is published and every
/// result is validated against it.
pub use synapse_macros::output;

/// Declares a semantic data type (a unit struct); see [`action::DataType`].
pub use synapse_macros::data_type;

/// Declares the plugin's identity: `synapse::plugin!(name = "My Plugin", category = NeuralNet)`.
/// Its code and version are the crate's package name and version; the description defaults to
/// the package description.
pub use synapse_macros::plugin;

/// Marks a workflow step: `#[step(weight = 0.3)]`, with optional `name = "…"` (default: the
/// snake_case of the type, minus a `Step` suffix), `retries = 3` (with exponential backoff from
/// `backoff = "100ms"`) and `timeout = "30s"` per attempt. The weight must be a positive number
/// literal. The type implements [`steps::Step`] for the state it works on.
pub use synapse_macros::step;

/// Declares a workflow: `#[workflow(context = MyState)] pub struct MyWorkflow(StepA, StepB);`.
///
/// At compile time every step must implement `Step<MyState>`, names must be unique and the
/// weights must sum to 1.0 (±1e-6) — or write `#[workflow(context = MyState, normalize)]` to
/// scale them. The plan is a `'static` table ([`steps::Workflow::PLAN`]); see [`steps`].
pub use synapse_macros::workflow;

/// Declares a pipeline: `#[pipeline] pub struct DatasetPipeline(Fetch, Convert, Train);` over
/// `#[action]` structs, run in order, each result merged into the next action's params.
///
/// Arguments: `name = "…"` (default: the snake_case of the type, minus a `Pipeline` suffix) and
/// `description = "…"` (default: the doc comment). At compile time each action must accept
/// the previous action's `output_type` as its `input_type` (the same data type, or one
/// specializing the other); see [`pipeline`](mod@pipeline) for running and resuming.
pub use synapse_macros::pipeline;

/// Builds a [`Metrics`] map: `metrics! { loss: 0.05, "val/accuracy": 0.95 }`.
///
/// Each value becomes JSON. JSON has no NaN or infinity, so such a float becomes `null`;
/// [`Context::set_metrics`] records it as `null` and warns, naming the metric and its category.
///
/// ```
/// let m = synapse::metrics! { items: 3, "rate/s": 1.5, loss: f64::NAN };
/// assert_eq!(m["items"], 3);
/// assert_eq!(m["rate/s"], 1.5);
/// assert!(m["loss"].is_null());
/// ```
#[macro_export]
macro_rules! metrics {
    ($($key:tt : $value:expr),* $(,)?) => {{
        #[allow(unused_mut)]
        let mut metrics = $crate::Metrics::new();
        $( metrics.insert($crate::__metric_key!($key).to_owned(), $crate::__private::serde_json::json!($value)); )*
        metrics
    }};
}

#[doc(hidden)]
#[macro_export]
macro_rules! __metric_key {
    ($key:ident) => {
        ::core::stringify!($key)
    };
    ($key:literal) => {
        $key
    };
}

/// The plugin binary's `main`: `synapse::main!();`, or `synapse::main!(my_actions_crate);` when
/// the actions live in library crates (naming them makes sure they are linked in).
///
/// It gives the binary the [`cli`]: `run`, `list`, `schema` and `config`.
#[macro_export]
macro_rules! main {
    ($($krate:ident),* $(,)?) => {
        $( use $krate as _; )*

        fn main() -> ::std::process::ExitCode {
            $crate::__private::cli_main($crate::__private::BinaryInfo {
                package: ::core::env!("CARGO_PKG_NAME"),
                bin: ::core::env!("CARGO_BIN_NAME"),
                version: ::core::env!("CARGO_PKG_VERSION"),
                description: ::core::env!("CARGO_PKG_DESCRIPTION"),
                manifest_dir: ::core::env!("CARGO_MANIFEST_DIR"),
            })
        }
    };
}

/// What a plugin author writes: the attributes, the traits an action, a step and a workflow
/// implement, their context, results and errors.
///
/// What runs plugins from the outside (an executor, [`run_plugin`], [`ExecutionMode`]) is at
/// the crate root and in [`executor`].
pub mod prelude {
    pub use crate::action::types;
    pub use crate::pipeline::Pipeline;
    pub use crate::steps::{Step, StepCx, Workflow};
    pub use crate::{
        Action, Category, Context, DataType, Error, LogLevel, Metrics, NoParams, Params, PluginEnvironment, Result,
        RunMethod, Value, action, data_type, json, metrics, output, params, pipeline, step, workflow,
    };
    pub use anyhow::{Context as _, bail, ensure};
}

/// What generated code uses. Not a public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::action::{
        Action, ActionDescriptor, ActionMeta, ActionOutput, Category, ConstructAction, DataType, DataTypeInfo,
        FnReturn, RegisteredAction, RunMethod,
    };
    pub use crate::cli::main as cli_main;
    pub use crate::context::Context;
    pub use crate::error::Result;
    pub use crate::params::{HasSchema, NoParams, Params, SchemaCell, schema_of};
    pub use crate::pipeline::{Pipeline, PipelineDescriptor, pipeline_params_schema};
    pub use crate::registry::{
        BinaryInfo, PluginDescriptor, SYNAPSE_ACTIONS_V0, SYNAPSE_PIPELINES_V0, SYNAPSE_PLUGINS_V0,
    };
    pub use crate::steps::{
        ConstructStep, PlanEntry, Step, StepHandle, StepInfo, StepSpec, Workflow, is_placeholder, plan_entries,
        repeated_names, step_weights_sum,
    };
    pub use ::core;
    pub use ::linkme;
    pub use ::schemars;
    pub use ::serde;
    pub use ::serde_json;
    pub use ::std;
    pub use ::std::time::Duration;
}
