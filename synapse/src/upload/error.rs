//! [`UploadError`]: why an upload failed, naming the storage, the collection, the folder, the
//! metadata file or the batch; and [`MetadataError`], what a metadata file was refused for.

use crate::backend::BackendError;
use crate::steps::WorkflowError;
use std::path::PathBuf;

/// Why an upload failed. A step's error is one of these (in the [`WorkflowError`]'s `cause`);
/// [`run_upload`](super::run_upload) returns the workflow's failure as
/// [`UploadError::Workflow`].
///
/// ```
/// use synapse::upload::UploadError;
/// let error = UploadError::NoPath { reason: "`path` is required when `use_single_path` is true".into() };
/// assert_eq!(error.to_string(), "nothing to upload from: `path` is required when `use_single_path` is true");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UploadError {
    /// The run has no backend client.
    #[error("an upload needs the Synapse backend: {reason}")]
    NoBackend {
        /// What the context says.
        reason: String,
    },
    /// Single-path mode without `path`, or multi-path mode without `assets`.
    #[error("nothing to upload from: {reason}")]
    NoPath {
        /// Which param is missing.
        reason: String,
    },
    /// A folder to upload from does not exist or is no folder.
    #[error("the folder {} to upload from: {reason}", path.display())]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The storage could not be read (a 404: the backend has no such storage).
    #[error("storage {id}: {source}")]
    Storage {
        /// Its id.
        id: u64,
        /// The backend's answer.
        #[source]
        source: Box<BackendError>,
    },
    /// The storage's record cannot say where its files are (a `file_system` storage without a
    /// `location`, a provider this build does not know).
    #[error("storage {id}: {reason}")]
    StorageConfiguration {
        /// Its id.
        id: u64,
        /// What is wrong with its record.
        reason: String,
    },
    /// The data collection could not be read (a 404: no such collection).
    #[error("data collection {id}: {source}")]
    Collection {
        /// Its id.
        id: u64,
        /// The backend's answer.
        #[source]
        source: Box<BackendError>,
    },
    /// The project could not be read (a 404: no such project).
    #[error("project {id}: {source}")]
    Project {
        /// Its id.
        id: u64,
        /// The backend's answer.
        #[source]
        source: Box<BackendError>,
    },
    /// The collection has no file specifications: a unit could hold nothing.
    #[error("data collection {id} has no file specifications")]
    NoSpecifications {
        /// The collection.
        id: u64,
    },
    /// `assets` names a specification the collection does not have.
    #[error("`assets.{spec}`: data collection {collection} has no such file specification; it has: {}", known.join(", "))]
    UnknownAsset {
        /// The name given.
        spec: String,
        /// The collection.
        collection: u64,
        /// Its specifications' names.
        known: Vec<String>,
    },
    /// The metadata file was refused.
    #[error(transparent)]
    Metadata(#[from] MetadataError),
    /// No file was found to upload: the message names the folders searched, and in single-path
    /// mode the specification folders that do not exist and the files lying directly in the
    /// folder (the usual first mistake: the files are read from `<path>/<spec name>/`).
    #[error("no files to upload under {}{}", roots.iter().map(|root| root.display().to_string()).collect::<Vec<_>>().join(", "), no_files_hint(missing, *loose))]
    NoFiles {
        /// The folders searched.
        roots: Vec<PathBuf>,
        /// The specifications' folders that do not exist (single-path mode).
        missing: Vec<PathBuf>,
        /// How many files lie directly in the folder, outside every specification's folder.
        loose: usize,
    },
    /// Every group of files failed validation, or no file could be uploaded: nothing would be
    /// made. The failures are in `failed`.
    #[error("nothing was uploaded: {} of {} files failed ({})", failed.len(), total, first_reasons(failed))]
    NothingUploaded {
        /// How many files there were.
        total: usize,
        /// Each failed file and why.
        failed: Vec<super::FailedFile>,
    },
    /// Reading the server's checksums failed.
    #[error("checking which files the backend already has: {0}")]
    Checksums(#[source] Box<BackendError>),
    /// A `POST data_units/` batch failed (after its retries).
    #[error(
        "creating data units: batch {batch} of {batches} ({units} units) failed after {attempts} attempt(s): {source}"
    )]
    Units {
        /// The batch, from 1.
        batch: usize,
        /// How many batches there were.
        batches: usize,
        /// Units in the batch.
        units: usize,
        /// Attempts made.
        attempts: u32,
        /// The backend's answer.
        #[source]
        source: Box<BackendError>,
    },
    /// A rollback could not delete data files the run created: they stay on the backend.
    #[error("data files {ids:?} stay on the backend: {reason}")]
    Orphaned {
        /// The data files' ids.
        ids: Vec<u64>,
        /// Why they were not deleted.
        reason: String,
    },
    /// The uploader's [`steps`](super::Uploader::steps) made a change the registry refused.
    #[error("the upload's steps: {reason}")]
    Steps {
        /// The registry's refusal.
        reason: String,
    },
    /// The workflow failed (its failing step, cause and rollbacks), leaving
    /// `orphaned_data_files` on the backend (none when every file the run created was deleted).
    #[error("{source}{}", orphans(orphaned_data_files))]
    Workflow {
        /// The workflow's failure.
        #[source]
        source: Box<WorkflowError>,
        /// The data files the rollback could not delete.
        orphaned_data_files: Vec<u64>,
    },
}

impl UploadError {
    /// The step error of the failed workflow, when it is an `UploadError` (a refused storage,
    /// a failed batch, …).
    pub fn step_error(&self) -> Option<&UploadError> {
        match self {
            UploadError::Workflow { source, .. } => source.cause.downcast_ref::<UploadError>(),
            _ => None,
        }
    }
}

fn orphans(ids: &[u64]) -> String {
    if ids.is_empty() { String::new() } else { format!("; data files {ids:?} stay on the backend (not deleted)") }
}

/// What [`UploadError::NoFiles`] adds: the missing specification folders, the loose files.
fn no_files_hint(missing: &[PathBuf], loose: usize) -> String {
    let mut hint = String::new();
    if !missing.is_empty() {
        let names: Vec<String> = missing.iter().map(|folder| format!("{}/", folder.display())).collect();
        hint.push_str(&format!(
            "; a folder per file specification is read (<path>/<specification name>/), and there is no {}",
            names.join(", no ")
        ));
    }
    if loose > 0 {
        let files = if loose == 1 { "file lies" } else { "files lie" };
        hint.push_str(&format!("; {loose} {files} directly in the folder, outside them"));
    }
    hint
}

fn first_reasons(failed: &[super::FailedFile]) -> String {
    let shown: Vec<String> = failed.iter().take(3).map(ToString::to_string).collect();
    let more = failed.len().saturating_sub(shown.len());
    if more > 0 { format!("{}; {more} more", shown.join("; ")) } else { shown.join("; ") }
}

/// Why a metadata file was refused: each names the file, and the limit or the cell.
///
/// ```
/// use synapse::upload::MetadataError;
/// let error = MetadataError::TooManyRows { path: "meta.xlsx".into(), limit: 100_000 };
/// assert_eq!(error.to_string(), "metadata meta.xlsx: more than 100000 rows; split it, or upload without it");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetadataError {
    /// It does not exist or cannot be read.
    #[error("metadata {}: {reason}", path.display())]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Neither CSV nor Excel (by its extension).
    #[error("metadata {}: not a CSV (`.csv`) or Excel (`.xlsx`, `.xls`) file", path.display())]
    Unsupported {
        /// The file.
        path: PathBuf,
    },
    /// Larger than the limit.
    #[error("metadata {}: {size} bytes, above the {limit} bytes a metadata file may have", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// An Excel file whose parts decompress to more than the limit (a zip bomb).
    #[error("metadata {}: decompresses to {size} bytes, above the {limit} bytes allowed", path.display())]
    Decompressed {
        /// The file.
        path: PathBuf,
        /// Its parts' size decompressed.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// More rows than the limit.
    #[error("metadata {}: more than {limit} rows; split it, or upload without it", path.display())]
    TooManyRows {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// More columns than the limit.
    #[error("metadata {}: more than {limit} columns", path.display())]
    TooManyColumns {
        /// The file.
        path: PathBuf,
        /// The limit.
        limit: usize,
    },
    /// A cell holds a formula: metadata is plain values (formulas are not evaluated, and a
    /// workbook of formulas may be made to exhaust whoever evaluates it).
    #[error("metadata {}: cell {cell} holds a formula (`{formula}`); metadata cells must hold plain values", path.display())]
    Formula {
        /// The file.
        path: PathBuf,
        /// The cell (`B2`).
        cell: String,
        /// The formula, cut to 60 characters.
        formula: String,
    },
    /// A value longer than the limit.
    #[error("metadata {}: cell {cell} holds {len} characters, above the {limit} allowed", path.display())]
    ValueTooLong {
        /// The file.
        path: PathBuf,
        /// The cell.
        cell: String,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
}
