//! What the upload workflow's steps share ([`UploadState`]), the files it handles
//! ([`FileGroup`], [`LocalFile`], [`UploadedFile`], [`FailedFile`]) and the action's result
//! ([`UploadResult`]).

use super::{FailureCode, Metadata, UploadParams};
use crate::backend::DataCollection;
use crate::storage::StorageRecord;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// How many lost files [`UploadResult::lost_files`] lists (the SDK's `LOST_FILES_LOG_LIMIT`).
pub const LOST_FILES_LIMIT: usize = 100;

/// The state the upload workflow's steps share: the params, and what each step produced. A
/// step an author inserts works on it too (`impl Step<UploadState> for MyStep`).
#[derive(Debug)]
pub struct UploadState {
    /// The params.
    pub params: UploadParams,
    /// The storage the files go to (`initialize`).
    pub storage: Option<StorageRecord>,
    /// The folder of a single-path upload, inside the storage (`initialize`:
    /// [`folder_in_storage`](super::folder_in_storage)).
    pub base: Option<PathBuf>,
    /// The folder of each specification of a multi-path upload, inside the storage
    /// (`initialize`), by specification name.
    pub asset_folders: BTreeMap<String, PathBuf>,
    /// The metadata rows (`process_metadata`), by file name.
    pub metadata: Option<Metadata>,
    /// The collection and its file specifications (`analyze_collection`).
    pub collection: Option<DataCollection>,
    /// The groups of files, by stem (`organize_files`; `validate_files` keeps the valid ones).
    pub groups: Vec<FileGroup>,
    /// Every file that was not uploaded, or whose unit was not made, and why.
    pub failed: Vec<FailedFile>,
    /// Folders and links not followed (symbolic link loops, unreadable folders), and why.
    pub skipped_paths: Vec<FailedFile>,
    /// The files on the backend (`upload_files`): uploaded by this run, or already there.
    pub uploaded: Vec<UploadedFile>,
    /// Each file's SHA-1 as `upload_files` read it, by path.
    pub checksums: BTreeMap<PathBuf, String>,
    /// The groups dropped as local duplicates (`upload_files`).
    pub duplicates: usize,
    /// The data units created (`generate_data_units`), by id, in order.
    pub data_units: Vec<u64>,
    /// How many files `organize_files` found.
    pub discovered: usize,
    /// The data files a rollback could not delete (they stay on the backend).
    pub orphaned_data_files: Vec<u64>,
}

impl UploadState {
    /// The state an upload with `params` starts from.
    pub fn new(params: UploadParams) -> Self {
        UploadState {
            params,
            storage: None,
            base: None,
            asset_folders: BTreeMap::new(),
            metadata: None,
            collection: None,
            groups: Vec::new(),
            failed: Vec::new(),
            skipped_paths: Vec::new(),
            uploaded: Vec::new(),
            checksums: BTreeMap::new(),
            duplicates: 0,
            data_units: Vec::new(),
            discovered: 0,
            orphaned_data_files: Vec::new(),
        }
    }

    /// The action's result once the workflow ran `executed` of `total` steps.
    pub fn result(&self, executed: usize, total: usize) -> UploadResult {
        let lost: Vec<String> = self.failed.iter().map(|failed| failed.path.clone()).collect();
        UploadResult {
            success: true,
            steps_executed: executed as u64,
            steps_total: total as u64,
            uploaded_files: self.uploaded.iter().filter(|file| file.data_file_id.is_some()).count() as u64,
            already_on_backend: self.uploaded.iter().filter(|file| file.data_file_id.is_none()).count() as u64,
            data_units: self.data_units.len() as u64,
            data_unit_ids: self.data_units.clone(),
            partial_failure: !lost.is_empty(),
            lost_files_count: lost.len() as u64,
            lost_files: lost.into_iter().take(LOST_FILES_LIMIT).collect(),
            failed_files: self.failed.clone(),
            duplicates: self.duplicates as u64,
            skipped_paths: self.skipped_paths.clone(),
        }
    }
}

/// The files of one data unit: one per file specification, sharing a stem (`cat.png` in
/// `image_1/`, `cat.json` in `data_meta_1/`).
#[derive(Debug, Clone, PartialEq)]
pub struct FileGroup {
    /// The stem the files share.
    pub stem: String,
    /// Each file by its specification's name.
    pub files: BTreeMap<String, PathBuf>,
    /// Each file's path as the unit records it: relative to the folder searched, under the
    /// specification's name (`image_1/cat.png`).
    pub relative: BTreeMap<String, String>,
    /// The metadata row of the group (the unit's `meta`), when the metadata file has one.
    pub meta: Option<Map<String, Value>>,
}

/// A local file to upload, with its checksum (SHA-1, what the backend keeps) and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    /// The file.
    pub path: PathBuf,
    /// Its SHA-1, lowercase hex.
    pub checksum: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its bytes, when they were kept from the checksum's read (a small file, within
    /// [`KEEP_BELOW`](super::KEEP_BELOW) and [`KEEP_TOTAL`](super::KEEP_TOTAL)): sent as they
    /// are, not read again. `None`: read again when sent.
    pub content: Option<bytes::Bytes>,
}

/// A file on the backend: uploaded by this run (`data_file_id` set), or found there by its
/// checksum (`None`: the run did not make it, and a rollback leaves it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedFile {
    /// The local file.
    pub path: PathBuf,
    /// The data file this run created.
    pub data_file_id: Option<u64>,
    /// Its checksum (SHA-1), what units name it by.
    pub checksum: String,
}

/// A file (or folder) the upload left out, and why.
///
/// ```
/// use synapse::upload::{FailedFile, FailureCode};
/// let failed = FailedFile::new("/data/image_1/cat.exe", "extension `.exe` is not allowed for `image_1`")
///     .with_code(FailureCode::UnsupportedExtension);
/// assert_eq!(failed.to_string(), "/data/image_1/cat.exe: extension `.exe` is not allowed for `image_1`");
/// assert_eq!(failed.code.as_str(), "UNSUPPORTED_EXTENSION");
/// ```
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedFile {
    /// The file (or folder)
    pub path: String,
    /// Why it was left out
    pub reason: String,
    /// Why it was left out, as a code (the `import_result` entry's `failure_reason_code`)
    #[serde(default)]
    pub code: FailureCode,
}

impl FailedFile {
    /// `path` left out for `reason`, without a code ([`FailureCode::UnknownError`]; see
    /// [`with_code`](Self::with_code)).
    pub fn new(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        FailedFile { path: path.into().display().to_string(), reason: reason.into(), code: FailureCode::UnknownError }
    }

    /// The same, with the cause's `code`.
    #[must_use]
    pub fn with_code(mut self, code: FailureCode) -> Self {
        self.code = code;
        self
    }
}

impl fmt::Display for FailedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// What an upload returns: the SDK's `UploadResult` (`success`, `steps_executed`,
/// `steps_total`, `uploaded_files`, `data_units`, `partial_failure`, `lost_files_count`,
/// `lost_files`), with every file left out and why.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct UploadResult {
    /// Whether the workflow completed (some files may still have failed: see `partial_failure`)
    pub success: bool,
    /// Steps that ran (skipped ones not counted)
    pub steps_executed: u64,
    /// Steps in the workflow
    pub steps_total: u64,
    /// Data files this run created
    pub uploaded_files: u64,
    /// Files not uploaded because the backend already had their content (their units name them)
    pub already_on_backend: u64,
    /// Data units created
    pub data_units: u64,
    /// Their ids, in order
    pub data_unit_ids: Vec<u64>,
    /// Whether some files found were left out
    pub partial_failure: bool,
    /// How many files were left out
    pub lost_files_count: u64,
    /// The paths of the files left out (the first 100)
    pub lost_files: Vec<String>,
    /// Every file left out and why
    pub failed_files: Vec<FailedFile>,
    /// Groups dropped because an earlier group has the same primary file content
    pub duplicates: u64,
    /// Folders and links not followed (symbolic link loops) and why
    pub skipped_paths: Vec<FailedFile>,
}
