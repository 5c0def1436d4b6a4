//! [`TrainError`]: why a train action's own steps failed, naming the dataset, the model, the
//! directory or the file.

use crate::backend::TransferError;
use crate::dataset::DatasetError;
use std::path::PathBuf;

/// Why a step of the train workflow failed (the author's `train` fails with its own error).
///
/// ```
/// use synapse::train::TrainError;
/// let error = TrainError::CheckpointNotZip { model: 7, reason: "starts with `{\"we`".into() };
/// assert_eq!(error.to_string(), "checkpoint model 7: its file is not a zip archive (starts with `{\"we`)");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// Neither `dataset` nor `data_path` was given.
    #[error("no data to train on: give `dataset` (a ground-truth dataset version) or `data_path`")]
    NoData,
    /// `data_path` does not exist.
    #[error("`data_path` {}: does not exist", path.display())]
    DataPathMissing {
        /// The path given.
        path: PathBuf,
    },
    /// Downloading or converting the dataset failed.
    #[error(transparent)]
    Dataset(Box<DatasetError>),
    /// The run has no backend client (a `dataset`, `checkpoint` or model upload needs one).
    #[error("{what} needs the Synapse backend: {reason}")]
    NoBackend {
        /// What needs it.
        what: &'static str,
        /// What the context says.
        reason: String,
    },
    /// The checkpoint model could not be read or its file downloaded.
    #[error("checkpoint model {model}: {reason}")]
    Checkpoint {
        /// The model's id.
        model: u64,
        /// What failed.
        reason: String,
    },
    /// The checkpoint model's file is not a zip archive.
    #[error("checkpoint model {model}: its file is not a zip archive ({reason})")]
    CheckpointNotZip {
        /// The model's id.
        model: u64,
        /// What it is instead.
        reason: String,
    },
    /// A base checkpoint named by the run's environment does not exist.
    #[error("base checkpoint {} (SYNAPSE_BASE_CHECKPOINT): does not exist", path.display())]
    BaseCheckpointMissing {
        /// The path.
        path: PathBuf,
    },
    /// The `train` step left the model directory empty: there is nothing to upload.
    #[error("the model directory {} is empty: `train` wrote no model", path.display())]
    NoModel {
        /// The directory.
        path: PathBuf,
    },
    /// A model archive could not be written or read.
    #[error("{}: {reason}", path.display())]
    Archive {
        /// The archive or the file being archived.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// Uploading the model's archive failed.
    #[error("uploading the model {}: {source}", path.display())]
    Upload {
        /// The archive.
        path: PathBuf,
        /// What the transfer met.
        #[source]
        source: Box<TransferError>,
    },
    /// A directory of the run could not be made.
    #[error("{}: {reason}", path.display())]
    Io {
        /// The directory or file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
}

impl From<DatasetError> for TrainError {
    fn from(error: DatasetError) -> Self {
        TrainError::Dataset(Box::new(error))
    }
}
