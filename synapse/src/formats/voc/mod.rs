//! Pascal VOC: one XML file per image (`Annotations/<stem>.xml`) with its `size` and an `object`
//! per box (`name`, `bndbox{xmin, ymin, xmax, ymax}`), images in `JPEGImages/`, splits in
//! `ImageSets/Main/<split>.txt`. Boxes as the Python SDK writes them (`xmin = round(x)`,
//! `xmax = round(x + w)`: DM ↔ VOC round-trips exactly), or 1-based as the devkit's
//! ([`ConvertOptions::voc_one_based`]).

mod dir;
mod read;
mod write;

pub use dir::{read_dir, write_dir};
pub use read::parse;
pub use write::render;

use crate::formats::geometry::{ClassIndex, kept_boxes};
use crate::formats::{BoxAnnotation, ConversionReport, ConvertOptions, Dataset, ImageEntry, Skip, SkipReason, Split};

/// One VOC annotation file.
#[derive(Debug, Clone, PartialEq)]
pub struct VocAnnotation {
    /// `folder` (`JPEGImages`).
    pub folder: String,
    /// `filename`: the image's file name.
    pub filename: String,
    /// `path` (`JPEGImages/<filename>`).
    pub path: String,
    /// `size/width`, pixels.
    pub width: u32,
    /// `size/height`, pixels.
    pub height: u32,
    /// `size/depth`: channels (3 when written: the header read does not give them).
    pub depth: u32,
    /// `object`s.
    pub objects: Vec<VocObject>,
}

/// An `object`: its class and `bndbox`.
#[derive(Debug, Clone, PartialEq)]
pub struct VocObject {
    /// `name`: the class.
    pub name: String,
    /// `bndbox/xmin`.
    pub xmin: f64,
    /// `bndbox/ymin`.
    pub ymin: f64,
    /// `bndbox/xmax`.
    pub xmax: f64,
    /// `bndbox/ymax`.
    pub ymax: f64,
}

/// One VOC annotation per image of `dataset`, with its split. Boxes are clipped, rounded to
/// whole pixels, and dropped when nothing is left after rounding (`xmax ≤ xmin`, as the SDK
/// does) or their class is unknown (counted in the report). Pure: no file is read.
pub fn from_dataset(
    dataset: &Dataset,
    options: &ConvertOptions,
) -> (Vec<(Option<Split>, VocAnnotation)>, ConversionReport) {
    let names = options.classes_for(dataset);
    let index = ClassIndex::new(&names);
    let mut report = ConversionReport::default();
    let offset = if options.voc_one_based { 1.0 } else { 0.0 };
    let files = dataset
        .images
        .iter()
        .map(|image| {
            let mut objects = Vec::new();
            for (class, [x, y, w, h]) in kept_boxes(image, &index, &mut report) {
                let (xmin, ymin, xmax, ymax) = (x.round(), y.round(), (x + w).round(), (y + h).round());
                if xmax <= xmin || ymax <= ymin {
                    report.boxes_written -= 1;
                    report.degenerate_dropped += 1;
                    let at = objects.len();
                    report.skipped.push(Skip {
                        image: image.file_name.clone(),
                        index: at,
                        id: None,
                        reason: SkipReason::Degenerate([x, y, w, h]),
                    });
                    continue;
                }
                objects.push(VocObject {
                    name: names[class].clone(),
                    xmin: xmin + offset,
                    ymin: ymin + offset,
                    xmax,
                    ymax,
                });
            }
            let annotation = VocAnnotation {
                folder: "JPEGImages".to_owned(),
                filename: image.file_name.clone(),
                path: format!("JPEGImages/{}", image.file_name),
                width: image.width,
                height: image.height,
                depth: 3,
                objects,
            };
            (image.split, annotation)
        })
        .collect();
    (files, report)
}

/// The image of a VOC annotation: `x = xmin`, `w = xmax − xmin` (1-based: `x = xmin − 1`,
/// `w = xmax − xmin + 1`).
pub fn to_image(voc: &VocAnnotation, split: Option<Split>, one_based: bool) -> ImageEntry {
    let offset = if one_based { 1.0 } else { 0.0 };
    let boxes = voc
        .objects
        .iter()
        .map(|o| BoxAnnotation {
            id: None,
            class: o.name.clone(),
            bbox: [o.xmin - offset, o.ymin - offset, o.xmax - o.xmin + offset, o.ymax - o.ymin + offset],
        })
        .collect();
    ImageEntry { file_name: voc.filename.clone(), width: voc.width, height: voc.height, split, boxes, source: None }
}

/// The dataset of VOC annotations with their splits.
pub fn to_dataset(files: &[(Option<Split>, VocAnnotation)], one_based: bool) -> Dataset {
    Dataset { images: files.iter().map(|(split, voc)| to_image(voc, *split, one_based)).collect() }
}
