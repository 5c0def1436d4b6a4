//! `DetectorError`: what loading box samples, fitting, saving or loading a model, or a request to
//! classify boxes cannot get past, naming the file, split, setting, step or field.

use std::path::PathBuf;
use synapse::formats::{FormatError, Split};

/// An error of the detector's library. Each names where it happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DetectorError {
    /// The YOLO dataset could not be read (its `dataset.yaml`, a label file, an image header).
    #[error(transparent)]
    Format(#[from] FormatError),
    /// An image of the dataset has no file to read its pixels from.
    #[error("image {image} has no source file")]
    NoSource {
        /// The image's file name.
        image: String,
    },
    /// An image file could not be opened or decoded.
    #[error("image {path}: {message}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The decoder's or the operating system's message.
        message: String,
    },
    /// A split the step needs has no labelled box.
    #[error("the {split} split has no labelled box: {needed_for}")]
    EmptySplit {
        /// The split.
        split: Split,
        /// What needed it (`fitting a model needs at least one`).
        needed_for: &'static str,
    },
    /// A training setting is out of its range.
    #[error("invalid setting `{field}`: {message}")]
    Config {
        /// The field of [`TrainConfig`](crate::TrainConfig).
        field: &'static str,
        /// Why it does not fit.
        message: String,
    },
    /// The learning library refused a fit or a prediction.
    #[error("{step}: {message}")]
    Model {
        /// What was being done (`fitting fold 2 of 5`, `predicting`).
        step: String,
        /// smartcore's message.
        message: String,
    },
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `writing`, `creating directory`).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A JSON file of a model directory is not valid JSON or not of its shape.
    #[error("{path}: invalid JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// serde_json's message, with its line and column.
        message: String,
    },
    /// A request to the model server or the inference action cannot be used: its image is not
    /// base64 or not a PNG or JPEG, or a box lies outside the image.
    #[error("{field}: {message}")]
    Request {
        /// Where in the input, as a JSON path (`$.image`, `$.boxes[2]`; prefixed with the
        /// input's index, `$[1].image`, when a batch has more than one).
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// A model directory does not match this library: written for other features or another
    /// format version, or its files disagree.
    #[error("{path}: {message}")]
    Incompatible {
        /// The model directory's file that disagrees.
        path: PathBuf,
        /// What disagrees, with both values.
        message: String,
    },
}

impl DetectorError {
    /// A closure making [`DetectorError::Io`] of `action` on `path`, for `map_err`.
    pub(crate) fn io(action: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> DetectorError {
        let path = path.to_owned();
        move |source| DetectorError::Io { action, path, source }
    }
}
