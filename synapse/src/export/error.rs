//! [`ExportError`]: why an export failed, naming the storage, the listing, the key written or
//! the step; an item that fails alone is no error (see [`ItemFailure`](super::ItemFailure)).

use super::ExportTarget;
use crate::backend::BackendError;
use crate::steps::WorkflowError;
use crate::storage::StorageError;

/// Why an export failed. A failure after the export directory was made removes it (the
/// `initialize` step's rollback).
///
/// ```
/// use synapse::export::{ExportError, ExportTarget};
/// let error = ExportError::Filter {
///     target: ExportTarget::Task, key: "project".into(), reason: "must be a positive integer (got \"x\")".into(),
/// };
/// assert_eq!(error.to_string(), "filter `project` of target `task` must be a positive integer (got \"x\")");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The run has no backend client to read the items with.
    #[error("an export needs the Synapse backend: {reason}")]
    NoBackend {
        /// What the context says.
        reason: String,
    },
    /// The storage could not be read from the backend or opened (an unknown provider, a
    /// missing feature such as `s3`, a bad configuration).
    #[error("storage {id}: {source}")]
    Storage {
        /// The storage's id.
        id: u64,
        /// What the client met.
        #[source]
        source: Box<BackendError>,
    },
    /// A filter value the listing cannot take (a `project` that is no id, a `category` that is
    /// no split, a nested value), or a key the target's listing does not read.
    #[error("filter `{key}` of target `{target}` {reason}")]
    Filter {
        /// The target.
        target: ExportTarget,
        /// The filter key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A call to the backend failed (a listing page after its retries, the project).
    #[error("{what}: {source}")]
    Backend {
        /// What was being done (`listing the tasks of project 3`).
        what: String,
        /// What the client met.
        #[source]
        source: Box<BackendError>,
    },
    /// Writing to or removing from the storage failed for the export as a whole (its directory,
    /// the error list, the exporter's additional files).
    #[error("{what}: {source}")]
    Output {
        /// What was being written (`the error list exports/gt-1/error_file_list.json`).
        what: String,
        /// What the storage met.
        #[source]
        source: Box<StorageError>,
    },
    /// A local scratch directory could not be made.
    #[error("{what}: {reason}")]
    Io {
        /// What was being made.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// Every item failed: the export holds nothing (the SDK fails the save step then too).
    #[error("none of the {failed} items was exported; the first failure: {first}")]
    NothingExported {
        /// How many failed.
        failed: u64,
        /// The first failure, by item order.
        first: String,
    },
    /// The exporter's `additional_files` failed: its aggregate output is part of the export.
    #[error("the exporter's additional files failed: {reason}")]
    AdditionalFiles {
        /// What it said.
        reason: String,
    },
    /// The workflow stopped at a step: the step's own error is [`WorkflowError::cause`] (an
    /// `ExportError` for the built-in steps), and what each rollback did is listed.
    #[error("export {0}")]
    Workflow(Box<WorkflowError>),
    /// The exporter's step changes ([`Exporter::steps`](super::Exporter::steps)) were refused.
    #[error("the exporter's steps: {0}")]
    Steps(String),
}

impl ExportError {
    /// The export error a step failed with, when the workflow stopped on one (else `None`).
    pub fn step_cause(&self) -> Option<&ExportError> {
        match self {
            ExportError::Workflow(error) => {
                let cause: &(dyn std::error::Error + 'static) = error.cause.as_ref();
                cause.downcast_ref::<ExportError>()
            }
            _ => None,
        }
    }
}
