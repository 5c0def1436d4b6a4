//! The export workflow: assignments, ground truth or tasks through an exporter into a storage
//! (the SDK's `DefaultExportAction` with its in-process steps; no delegation to the v2 backend).
//!
//! ```text
//! initialize (2) → fetch_results (5) → prepare_export (3) → convert_data (32) → save_files (38) → finalize (10)
//! storage opened,  the target's       the project's         before / convert /   originals + JSON,     error list,
//! export dir made  items, paged       configuration         after, per item      several at once;      summary,
//! (rollback: gone)                                                                additional files      metrics
//! ```
//!
//! The items are a ground-truth dataset version's events (`sdk/ground_truth_events/`), a
//! project's tasks (`sdk/tasks/`) or assignments (`sdk/assignments/`). Each goes through the
//! [`Exporter`]'s hooks: its DM JSON converted, its original file and its data saved into the
//! export directory of the storage the params name (`<path>/<name>-<run id>/`, with `labels/`
//! and `origin_files/`), through [`Storage`](crate::storage::Storage): a local directory or an
//! object store. An item that fails is recorded ([`ItemFailure`]: its id, its file, why), with
//! an `export_original_file` / `export_data_file` event per file, and the others go on; the
//! metrics of `original_file` and `data_file` count them (`{stand_by, success, failed}`), and
//! `finalize` writes the error list (`error_file_list.json`).
//!
//! An author's export action:
//!
//! ```no_run
//! use synapse::export::{DefaultExporter, ExportParams, ExportResult, run_export};
//! use synapse::prelude::*;
//!
//! /// Exports annotations as DM JSON with their images.
//! #[action(name = "export_dm", category = Export, method = Job)]
//! pub struct ExportDm;
//!
//! impl Action for ExportDm {
//!     type Params = ExportParams;
//!     type Output = ExportResult;
//!
//!     async fn execute(&self, params: ExportParams, ctx: &Context) -> Result<ExportResult> {
//!         Ok(run_export(ctx, params, &DefaultExporter).await?)
//!     }
//! }
//! ```
//!
//! # Bad input
//!
//! | input | outcome |
//! |---|---|
//! | a blank `name`, a `target` other than `assignment`, `ground_truth`, `task` | a params violation at `$.name`, `$.target`, before the run |
//! | a `filter` without `project` (assignment, task) or `ground_truth_dataset_version` (ground truth) | a params violation at `$.filter.<key>` naming the target, before the run |
//! | a filter value the listing cannot take, a key the ground-truth listing does not read | [`ExportError::Filter`] at `fetch_results`, naming the key |
//! | a storage that does not exist, of a provider this build cannot open | [`ExportError::Storage`] at `initialize` |
//! | a listing page that fails after the client's retries | [`ExportError::Backend`] at `fetch_results`; the export directory is removed |
//! | an item whose conversion fails, whose original file is missing (404) or whose `data` is `null` | an [`ItemFailure`] (in the result, the events and the error list); the others go on |
//! | every item failing | [`ExportError::NothingExported`] at `save_files`; the export directory is removed |
//! | the exporter's `additional_files` failing, a write to the storage failing there | [`ExportError::AdditionalFiles`] at `save_files`; the export directory is removed |
//! | a ground-truth dataset version or a project the backend does not have | [`ExportError::Backend`] at `fetch_results` naming it (`ground-truth dataset version 77: … 404 …`); the export directory is removed |
//! | no items at all (the version or project exists) | a successful export of 0 items (an empty directory), with a warning naming the target and the filter |
//!
//! Needs the `export` feature.
//!
//! | file | holds |
//! |---|---|
//! | `params.rs` | [`ExportParams`], [`ExportTarget`], and the filter rule per target |
//! | `item.rs` | [`ExportItem`], [`OriginalFile`], [`FileOutcome`], [`ItemFailure`], [`ExportStatus`], [`MetricsRecord`] |
//! | `exporter.rs` | [`Exporter`], [`DefaultExporter`], [`Original`], [`fetch_original`], [`save_original`], [`save_json`] |
//! | `output.rs` | [`ExportDir`], [`ItemOutput`], [`OriginalSlot`] and the directory's names |
//! | `state.rs` | [`ExportState`], [`ExportResult`] |
//! | `steps/` | the six steps and [`export_steps`] (`items.rs`: each target's listing) |
//! | `error.rs` | [`ExportError`] |

mod error;
mod exporter;
mod item;
mod messages;
mod output;
mod params;
mod state;
mod steps;

pub use error::ExportError;
pub use exporter::{DefaultExporter, Exporter, IN_MEMORY_UP_TO, Original, fetch_original, save_json, save_original};
pub use item::{ExportItem, ExportStatus, FileKind, FileOutcome, ItemFailure, MetricsRecord, OriginalFile};
pub use messages::ExportMessage;
pub use output::{ERROR_LIST_FILE, ExportDir, ItemOutput, LABELS_DIR, ORIGINS_DIR, OriginalSlot};
pub use params::{ExportParams, ExportTarget};
pub use state::{DEFAULT_WORKERS, ExportResult, ExportState};
pub use steps::{
    ConvertDataStep, FetchResultsStep, FinalizeStep, InitializeStep, PrepareExportStep, SaveFilesStep, export_steps,
};

use crate::context::Context;

/// Runs an export: the workflow's steps (with the exporter's changes, [`Exporter::steps`]) over
/// the items `params` select, through one clone of `exporter` that the steps share (in an
/// `Arc`: what the exporter gathers behind `&self` lives for this run), with the run's backend
/// client; the SDK's `DefaultExportAction.run`. See the [module documentation](self) for the
/// steps and the bad input.
///
/// # Errors
/// [`ExportError::NoBackend`] without a backend client; [`ExportError::Steps`] when the
/// exporter's step changes are refused; [`ExportError::Workflow`] when a step fails, with the
/// step's own [`ExportError`] as its cause ([`ExportError::step_cause`]) and every rollback's
/// outcome (the export directory removed).
pub async fn run_export<E: Exporter>(
    ctx: &Context,
    params: ExportParams,
    exporter: &E,
) -> Result<ExportResult, ExportError> {
    let client = ctx.client().map_err(|error| ExportError::NoBackend { reason: error.to_string() })?.clone();
    let mut registry = export_steps(exporter).map_err(|error| ExportError::Steps(error.to_string()))?;
    exporter.steps(&mut registry).map_err(|error| ExportError::Steps(format!("{error:#}")))?;
    let scratch = tempfile::Builder::new().prefix("synapse-export-").tempdir().map_err(|error| ExportError::Io {
        what: "making a scratch directory".to_owned(),
        reason: error.to_string(),
    })?;
    let mut state = ExportState::new(params, client, scratch.path().to_owned());
    let report = registry.orchestrator().run(ctx, &mut state).await;
    report.map(|_| state.result()).map_err(|error| ExportError::Workflow(Box::new(error)))
}
