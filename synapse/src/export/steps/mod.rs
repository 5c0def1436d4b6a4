//! The export workflow's steps, as the SDK's `DefaultExportAction` registers its in-process
//! head and shared tail (`plugins/actions/export/steps/`), with its weights: `initialize` (2 %),
//! `fetch_results` (5 %), `prepare_export` (3 %), `convert_data` (32 %), `save_files` (38 %),
//! `finalize` (10 %); and [`export_steps`], which lists them.

mod acquire;
mod convert;
mod finalize;
mod items;
mod save;

pub use acquire::{FetchResultsStep, InitializeStep, PrepareExportStep};
pub use convert::ConvertDataStep;
pub use finalize::FinalizeStep;
pub use save::SaveFilesStep;

use super::{ExportState, Exporter};
use crate::steps::{StepInfo, StepRegistry, StepRegistryError, StepSpec};
use std::sync::Arc;

impl StepInfo for InitializeStep {
    const SPEC: StepSpec = StepSpec::new("initialize", 0.02);
}
impl StepInfo for FetchResultsStep {
    const SPEC: StepSpec = StepSpec::new("fetch_results", 0.05);
}
impl StepInfo for PrepareExportStep {
    const SPEC: StepSpec = StepSpec::new("prepare_export", 0.03);
}
impl<E: Exporter> StepInfo for ConvertDataStep<E> {
    const SPEC: StepSpec = StepSpec::new("convert_data", 0.32);
}
impl<E: Exporter> StepInfo for SaveFilesStep<E> {
    const SPEC: StepSpec = StepSpec::new("save_files", 0.38);
}
impl StepInfo for FinalizeStep {
    const SPEC: StepSpec = StepSpec::new("finalize", 0.10);
}

/// The export workflow's steps with `exporter`, before its own changes ([`Exporter::steps`]):
/// `initialize` → `fetch_results` → `prepare_export` → `convert_data` → `save_files` →
/// `finalize` (their weights sum to 0.9, as the SDK's in-process steps do: the plan normalizes
/// them). `convert_data` and `save_files` call one clone of `exporter`, which they share in an
/// `Arc`.
///
/// ```
/// use synapse::export::DefaultExporter;
/// let steps = synapse::export::export_steps(&DefaultExporter).unwrap();
/// assert_eq!(steps.names(), ["initialize", "fetch_results", "prepare_export", "convert_data", "save_files", "finalize"]);
/// ```
///
/// # Errors
/// None for these steps; the registry's errors are those of a change that follows.
pub fn export_steps<E: Exporter>(exporter: &E) -> Result<StepRegistry<ExportState>, StepRegistryError> {
    let exporter = Arc::new(exporter.clone());
    let mut registry = StepRegistry::new();
    registry
        .register(InitializeStep)?
        .register(FetchResultsStep)?
        .register(PrepareExportStep)?
        .register(ConvertDataStep(exporter.clone()))?
        .register(SaveFilesStep(exporter))?
        .register(FinalizeStep)?;
    Ok(registry)
}
