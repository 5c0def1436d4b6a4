//! The upload workflow's eight steps, with the SDK's names and weights, and [`upload_steps`],
//! which lists them for an [`Uploader`]:
//!
//! | step | weight | file |
//! |---|---|---|
//! | `initialize` | 0.05 | `prepare.rs` |
//! | `process_metadata` | 0.10 | `prepare.rs` |
//! | `analyze_collection` | 0.05 | `prepare.rs` |
//! | `organize_files` | 0.15 | `files.rs` |
//! | `validate_files` | 0.10 | `files.rs` |
//! | `upload_files` | 0.30 | `upload.rs` |
//! | `generate_data_units` | 0.20 | `send.rs` |
//! | `cleanup` | 0.05 | `send.rs` |

mod files;
mod prepare;
mod send;
mod upload;

pub use files::{OrganizeFilesStep, ValidateFilesStep};
pub use prepare::{AnalyzeCollectionStep, InitializeStep, ProcessMetadataStep};
pub use send::{CleanupStep, GenerateDataUnitsStep};
pub use upload::UploadFilesStep;

use super::{UploadError, UploadState, Uploader};
use crate::backend::BackendClient;
use crate::context::Context;
use crate::error::Result;
use crate::steps::{StepCx, StepRegistry};
use serde_json::{Value, json};

/// The steps of an upload with `uploader`, before its own changes
/// ([`Uploader::steps`]): `initialize` → `process_metadata` → `analyze_collection` →
/// `organize_files` → `validate_files` → `upload_files` → `generate_data_units` → `cleanup`.
///
/// ```
/// use synapse::upload::{DefaultUploader, upload_steps};
/// let steps = upload_steps(&DefaultUploader).unwrap();
/// assert_eq!(steps.names(), [
///     "initialize", "process_metadata", "analyze_collection", "organize_files",
///     "validate_files", "upload_files", "generate_data_units", "cleanup",
/// ]);
/// assert!(steps.plan().to_string().starts_with("initialize 5.0% → process_metadata 10.0%"));
/// ```
///
/// # Errors
/// None for these steps; the registry's errors are those of a change that follows.
pub fn upload_steps<U: Uploader>(uploader: &U) -> Result<StepRegistry<UploadState>> {
    let mut registry = StepRegistry::new();
    registry
        .register(InitializeStep)?
        .register(ProcessMetadataStep(uploader.clone()))?
        .register(AnalyzeCollectionStep)?
        .register(OrganizeFilesStep(uploader.clone()))?
        .register(ValidateFilesStep(uploader.clone()))?
        .register(UploadFilesStep(uploader.clone()))?
        .register(GenerateDataUnitsStep(uploader.clone()))?
        .register(CleanupStep)?;
    Ok(registry)
}

/// The run's backend client.
fn client(ctx: &Context) -> std::result::Result<BackendClient, UploadError> {
    ctx.client().cloned().map_err(|error| UploadError::NoBackend { reason: error.to_string() })
}

/// The metrics of `category` (`data_files`, `data_units`), as the SDK reports them.
fn metrics(cx: &StepCx<'_, UploadState>, category: &str, stand_by: usize, success: usize, failed: usize) {
    let values = json!({ "stand_by": stand_by, "success": success, "failed": failed });
    if let Value::Object(values) = values {
        cx.set_metrics(values, category);
    }
}
