//! `FormatError`: what a conversion cannot get past, naming the file, image, line or box.

use std::path::PathBuf;

/// An error reading, converting or writing a dataset format. Each names where it happened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// A file or directory could not be read or written.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done (`reading`, `writing`, `creating directory`, `copying to`).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A directory is not a dataset of the format read: what it should hold is missing.
    #[error("{path} is not a {format} dataset: it has no {expected}")]
    NotADataset {
        /// The directory.
        path: PathBuf,
        /// The format expected (`DM v2`, `COCO`, `Pascal VOC`).
        format: &'static str,
        /// What it lacks (`json/ or train|valid|test/json/`).
        expected: &'static str,
    },
    /// A JSON file (DM, COCO) is not valid JSON or not of its format's shape.
    #[error("{path}: invalid {format} JSON: {message}")]
    Json {
        /// The file.
        path: PathBuf,
        /// The format expected (`DM v2`, `DM v1`, `COCO instances`).
        format: &'static str,
        /// serde_json's message, with its line and column.
        message: String,
    },
    /// A Pascal VOC file is not well-formed XML, or lacks a field.
    #[error("{path}: invalid Pascal VOC XML: {message}")]
    Xml {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the byte position for syntax errors.
        message: String,
    },
    /// A line of a YOLO label file or `dataset.yaml` cannot be read.
    #[error("{path}:{line}: {message}")]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A YOLO label names a class id that `dataset.yaml`'s `names` does not have.
    #[error("{path}:{line}: class id {id}, but there are {count} class names (ids 0 to {})", count.saturating_sub(1))]
    UnknownClassId {
        /// The label file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The class id read.
        id: usize,
        /// How many names there are.
        count: usize,
    },
    /// A COCO annotation's `category_id` is not among the categories.
    #[error("{path}: annotation {annotation}: category_id {category} is not in categories")]
    UnknownCategory {
        /// The instances file.
        path: PathBuf,
        /// The annotation's id.
        annotation: u64,
        /// Its `category_id`.
        category: u64,
    },
    /// A COCO annotation's `image_id` is not among the images.
    #[error("{path}: annotation {annotation}: image_id {image} is not in images")]
    UnknownImageId {
        /// The instances file.
        path: PathBuf,
        /// The annotation's id.
        annotation: u64,
        /// Its `image_id`.
        image: u64,
    },
    /// An annotation file has no image next to it.
    #[error("{annotation}: no image named {stem}.* in {dir}")]
    MissingImage {
        /// The annotation file.
        annotation: PathBuf,
        /// The stem looked for.
        stem: String,
        /// The directory looked in.
        dir: PathBuf,
    },
    /// An image's header cannot be read (corrupt, or not PNG/JPEG).
    #[error("{path}: cannot read the image's size: {message}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The image decoder's message.
        message: String,
    },
    /// A DM box has none of the four box forms (`data`, `points`, `x/y/width/height`, `geometry`).
    #[error("{image}: bounding box {index}{id}: {message}", id = .id.as_deref().map(|id| format!(" ({id})")).unwrap_or_default())]
    InvalidBox {
        /// The image (or annotation file) it belongs to.
        image: String,
        /// Its index among the image's boxes, from 0.
        index: usize,
        /// Its id, when it has one.
        id: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A DM v1 annotation has no `annotationsData` entry with its id (or the reverse).
    #[error("DM v1 {media}: annotation {id}: {message}")]
    DmV1 {
        /// The media key (`image_1`).
        media: String,
        /// The annotation id.
        id: String,
        /// What is missing.
        message: String,
    },
    /// No converter is registered for the pair.
    #[error("no converter from {source_format} to {target}; registered: {}", registered_list(.registered))]
    NoConverter {
        /// The source format asked for.
        source_format: String,
        /// The target format asked for.
        target: String,
        /// Every registered (source, target) pair, sorted.
        registered: Vec<(String, String)>,
    },
    /// Two converters are registered for one pair.
    #[error("two converters from {source_format} to {target}: {first} and {second}")]
    DuplicateConverter {
        /// The source format.
        source_format: String,
        /// The target format.
        target: String,
        /// Where the first is registered (`file:line`).
        first: String,
        /// Where the second is registered.
        second: String,
    },
}

fn registered_list(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return "none".to_owned();
    }
    pairs.iter().map(|(source, target)| format!("{source} → {target}")).collect::<Vec<_>>().join(", ")
}

impl FormatError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> FormatError {
        let path = path.into();
        move |source| FormatError::Io { action, path, source }
    }
}
