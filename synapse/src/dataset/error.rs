//! [`DatasetError`]: why a dataset download failed, naming the version, the split, the event and
//! the file's URL (without its query, which may hold a signature).

use crate::backend::BackendError;
use std::path::PathBuf;

/// Why a dataset download failed. A failed download leaves no cache entry (see
/// [`download`](super::download)).
///
/// ```
/// use synapse::dataset::DatasetError;
/// let error = DatasetError::EmptySplit { version: 12, split: "valid".into(), category: "validation".into() };
/// assert_eq!(
///     error.to_string(),
///     "ground-truth dataset version 12 has no events in split `valid` (category `validation`)"
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DatasetError {
    /// The backend has no ground-truth dataset version of this id
    /// (`GET ground_truth_dataset_versions/{id}/` answered 404).
    #[error(
        "ground-truth dataset version {version} does not exist (GET ground_truth_dataset_versions/{version}/: 404)"
    )]
    VersionNotFound {
        /// The version asked for.
        version: u64,
    },
    /// A split asked for has no events: an empty split is refused rather than written as an
    /// empty directory a training run would read as "no data".
    #[error("ground-truth dataset version {version} has no events in split `{split}` (category `{category}`)")]
    EmptySplit {
        /// The version.
        version: u64,
        /// The split as the layout names it (`train`, `valid`, `test`).
        split: String,
        /// The split as the backend names it (`train`, `validation`, `test`).
        category: String,
    },
    /// The version has no events at all (no splits were asked for).
    #[error("ground-truth dataset version {version} has no events")]
    EmptyVersion {
        /// The version.
        version: u64,
    },
    /// Every event was skipped (each image missing or corrupt): nothing to train on.
    #[error(
        "every one of the {count} events of ground-truth dataset version {version} was skipped; the first: {first}"
    )]
    AllSkipped {
        /// The version.
        version: u64,
        /// How many events were skipped.
        count: usize,
        /// The first skip, by event id.
        first: Box<super::Skipped>,
    },
    /// A file of an event could not be downloaded, for another reason than its absence (the
    /// backend or storage failed after the client's retries, the connection broke, the disk).
    #[error("event {event}: downloading {url}: {source}")]
    File {
        /// The event's id.
        event: u64,
        /// The file's URL without its query.
        url: String,
        /// What the client met.
        #[source]
        source: Box<BackendError>,
    },
    /// An event's annotations could not be turned into the JSON written for it.
    #[error("event {event}: its annotations cannot be written: {reason}")]
    Annotations {
        /// The event's id.
        event: u64,
        /// What is wrong with them.
        reason: String,
    },
    /// A call to the backend failed (listing the events, reading the version).
    #[error("{what}: {source}")]
    Backend {
        /// What was being done (`listing the events of version 12, split train`).
        what: String,
        /// What the client met.
        #[source]
        source: Box<BackendError>,
    },
    /// A local file or directory could not be written or read.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed, and why.
        reason: String,
    },
    /// A split name that is none of `train`, `valid` (or `validation`) and `test`.
    #[error("`{name}` is not a split: use train, valid or test")]
    UnknownSplit {
        /// The name given.
        name: String,
    },
    /// The run has no backend client to download with.
    #[error("{reason}")]
    NoBackend {
        /// What the context says.
        reason: String,
    },
    /// No output directory was given and there is no cache directory
    /// (`$SYNAPSE_DATASET_CACHE` is `off`, or neither it, `$XDG_CACHE_HOME` nor `$HOME` is set).
    #[error("no output directory was given and datasets are not cached (set SYNAPSE_DATASET_CACHE to a directory)")]
    NoCacheDir,
    /// A conversion failed: no converter for the pair (listing the registered ones), or a file
    /// that cannot be read or written (naming it).
    #[error("converting {} from `{source_format}` to `{target}`: {source}", path.display())]
    Convert {
        /// The dataset being converted.
        path: PathBuf,
        /// Its format.
        source_format: String,
        /// The format asked for.
        target: String,
        /// What the converter met.
        #[source]
        source: Box<crate::formats::FormatError>,
    },
    /// A params combination the operation cannot run: `convert` without `path`, `download`
    /// without `dataset`.
    #[error("{reason}")]
    Params {
        /// What is missing or wrong, naming the param.
        reason: String,
    },
}

impl DatasetError {
    /// An I/O error on `path` while doing `what` (`"created"`, `"written"`).
    pub(super) fn io(path: impl Into<PathBuf>, what: &str, error: impl std::fmt::Display) -> Self {
        DatasetError::Io { path: path.into(), reason: format!("cannot be {what}: {error}") }
    }
}
