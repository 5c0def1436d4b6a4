//! Dataset annotation formats: DM v1/v2, YOLO (Ultralytics), COCO instances, Pascal VOC; their
//! conversions, and the registry of converters keyed by (source, target).
//!
//! # Shape
//!
//! Every conversion goes through one in-memory [`Dataset`]: images (file name, size in pixels,
//! split) with their bounding boxes (class name and `[x, y, width, height]` in absolute pixels,
//! top-left origin — DM v2's `data`). Each format has
//!
//! - **pure functions** over in-memory types, without any file I/O:
//!   [`yolo::from_dataset`]/[`yolo::to_dataset`], [`coco::from_dataset`]/[`coco::to_dataset`],
//!   [`voc::from_dataset`]/[`voc::to_dataset`], [`dm::v2::to_dataset`]/[`dm::v2::from_dataset`],
//!   [`dm::convert::v1_to_v2`]/[`dm::convert::v2_to_v1`];
//! - **I/O adapters** reading and writing its layout on disk (`read_dir`/`write_dir`). Only
//!   these open images, and they read sizes from the image headers ([`image_size`]).
//!
//! # Bad input: errors and counted skips
//!
//! | input | outcome |
//! |---|---|
//! | a box partly outside its image | clipped to the image, counted in [`ConversionReport::boxes_clipped`] |
//! | a box with no area left (`w ≤ 0`, `h ≤ 0`, wholly outside, not finite) | dropped, counted in [`ConversionReport::degenerate_dropped`] and listed in [`ConversionReport::skipped`] |
//! | a box whose class is not in the class list the caller fixed ([`ConvertOptions::classes`]) | dropped, counted in [`ConversionReport::unknown_classes`] and listed |
//! | a YOLO label whose class id is not in `names`, a COCO annotation of an unknown category or image | [`FormatError::UnknownClassId`], [`FormatError::UnknownCategory`], [`FormatError::UnknownImageId`] |
//! | an annotation file without its image, an image that cannot be read | [`FormatError::MissingImage`], [`FormatError::Image`] |
//! | invalid JSON, XML, YAML or label line | [`FormatError::Json`], [`FormatError::Xml`], [`FormatError::Line`], naming the file |
//! | a directory without its format's files (`json/`, `annotations/instances*.json`, `Annotations/`) | [`FormatError::NotADataset`] |
//! | a (source, target) pair nobody registered | [`FormatError::NoConverter`], listing the registered pairs |
//!
//! A box is skipped, never the whole conversion, because one box drawn past an image's edge is
//! common in real annotation; a file that cannot be read is an error, because what it holds
//! cannot be known.

pub mod coco;
pub mod dm;
mod error;
mod geometry;
mod io;
pub mod registry;
mod report;
pub mod voc;
pub mod yolo;

pub use error::FormatError;
pub use geometry::clip_box;
pub use io::{image_size, image_size_from_bytes};
pub use registry::{Converter, ConverterEntry, converter_for, registered_pairs};
pub use report::{ConversionReport, Skip, SkipReason};

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

/// A dataset in memory: its images and their boxes, the form every conversion goes through.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The images, in the order they are written (the readers sort by split, then file name).
    pub images: Vec<ImageEntry>,
}

/// One image: its file, size and split, and its boxes.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageEntry {
    /// The image's file name (`car_0001.png`), without directories.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its split; `None` in a dataset without splits.
    pub split: Option<Split>,
    /// Its bounding boxes.
    pub boxes: Vec<BoxAnnotation>,
    /// Where its image file is, when it was read from disk: the writers copy it from there (and
    /// write only annotations when it is `None`).
    pub source: Option<PathBuf>,
}

/// A bounding box: DM v2's `bounding_box` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct BoxAnnotation {
    /// The DM id (`^[a-zA-Z0-9_-]+$`), when the source had one.
    pub id: Option<String>,
    /// The class name (DM's `classification`).
    pub class: String,
    /// `[x, y, width, height]` in absolute pixels from the top-left corner.
    pub bbox: [f64; 4],
}

/// A dataset split, as DM datasets name their directories (`train`, `valid`, `test`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Split {
    /// `train`.
    Train,
    /// `valid` in DM datasets, `val` in Ultralytics and COCO file names.
    Valid,
    /// `test`.
    Test,
}

impl Split {
    /// Every split, in order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    /// The directory name in a DM dataset (as the Python SDK's dataset download writes it).
    pub fn dm_name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }

    /// The name Ultralytics' `dataset.yaml` keys and COCO's `instances_<split>.json` use.
    pub fn short_name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "val",
            Split::Test => "test",
        }
    }

    /// The split a directory or key name means (`train`; `valid`, `val`, `validation`; `test`).
    pub fn from_name(name: &str) -> Option<Split> {
        match name {
            "train" => Some(Split::Train),
            "valid" | "val" | "validation" => Some(Split::Valid),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

impl fmt::Display for Split {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dm_name())
    }
}

impl Dataset {
    /// The sorted unique class names of its boxes (what YOLO ids and COCO category ids index).
    pub fn class_names(&self) -> Vec<String> {
        let names: BTreeSet<&str> =
            self.images.iter().flat_map(|image| &image.boxes).map(|b| b.class.as_str()).collect();
        names.into_iter().map(str::to_owned).collect()
    }

    /// The splits its images are in, in order (empty for a dataset without splits).
    pub fn splits(&self) -> Vec<Split> {
        let splits: BTreeSet<Split> = self.images.iter().filter_map(|image| image.split).collect();
        splits.into_iter().collect()
    }
}

/// What a conversion is told besides its input.
#[derive(Debug, Clone, Default)]
pub struct ConvertOptions {
    /// The class list, in id order, when the caller fixes it (a model's classes); boxes of other
    /// classes are skipped. `None`: the dataset's sorted class names.
    pub classes: Option<Vec<String>>,
    /// Pascal VOC: write and read strict devkit boxes (1-based pixel indices) instead of the
    /// Synapse SDK's `xmin = round(x)`, `xmax = round(x + w)`.
    pub voc_one_based: bool,
}

impl ConvertOptions {
    /// The class list of a conversion of `dataset`.
    pub fn classes_for(&self, dataset: &Dataset) -> Vec<String> {
        self.classes.clone().unwrap_or_else(|| dataset.class_names())
    }
}
