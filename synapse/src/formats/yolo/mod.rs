//! YOLO detection labels, Ultralytics layout: `images/<split>/`, `labels/<split>/` with one
//! `<stem>.txt` per image (`class cx cy w h`, normalized to 0–1, 6 decimals), and a
//! `dataset.yaml` with `path`, `train`, `val`, `test` and `names` (Ultralytics'
//! `docs/en/datasets/detect/index.md`). Class ids index the sorted class names.

mod dir;
mod labels;

pub use dir::{read_dir, write_dir};
pub use labels::{dataset_yaml, parse_labels, render_labels};

use crate::formats::geometry::{ClassIndex, kept_boxes};
use crate::formats::{BoxAnnotation, ConversionReport, ConvertOptions, Dataset, ImageEntry, Split};
use std::path::PathBuf;

/// A YOLO dataset in memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct YoloDataset {
    /// Class names by id (`dataset.yaml`'s `names`).
    pub names: Vec<String>,
    /// The images and their labels.
    pub images: Vec<YoloImage>,
}

/// One image's labels.
#[derive(Debug, Clone, PartialEq)]
pub struct YoloImage {
    /// The image's file name.
    pub file_name: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Its split.
    pub split: Option<Split>,
    /// Its rows.
    pub labels: Vec<YoloLabel>,
    /// Where its image file is, when known.
    pub source: Option<PathBuf>,
}

/// One row: `class cx cy w h`, the box's center and size as fractions of the image's size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct YoloLabel {
    /// Class id (index into `names`).
    pub class: usize,
    /// Center x / image width.
    pub cx: f64,
    /// Center y / image height.
    pub cy: f64,
    /// Width / image width.
    pub w: f64,
    /// Height / image height.
    pub h: f64,
}

/// YOLO labels of `dataset`: boxes clipped to their image, degenerate boxes and boxes of
/// classes outside `options.classes` dropped (counted in the report). Pure: no file is read.
///
/// ```
/// use synapse::formats::{BoxAnnotation, ConvertOptions, Dataset, ImageEntry, yolo};
/// let image = ImageEntry {
///     file_name: "car_0001.png".into(), width: 640, height: 480, split: None, source: None,
///     boxes: vec![BoxAnnotation { id: None, class: "car".into(), bbox: [100.0, 120.0, 200.0, 80.0] }],
/// };
/// let (labels, report) = yolo::from_dataset(&Dataset { images: vec![image] }, &ConvertOptions::default());
/// assert_eq!(yolo::render_labels(&labels.images[0].labels), "0 0.312500 0.333333 0.312500 0.166667\n");
/// assert_eq!(report.boxes_written, 1);
/// ```
pub fn from_dataset(dataset: &Dataset, options: &ConvertOptions) -> (YoloDataset, ConversionReport) {
    let names = options.classes_for(dataset);
    let index = ClassIndex::new(&names);
    let mut report = ConversionReport::default();
    let images = dataset
        .images
        .iter()
        .map(|image| {
            let (w, h) = (f64::from(image.width), f64::from(image.height));
            let labels = kept_boxes(image, &index, &mut report)
                .into_iter()
                .map(|(class, [x, y, bw, bh])| YoloLabel {
                    class,
                    cx: (x + bw / 2.0) / w,
                    cy: (y + bh / 2.0) / h,
                    w: bw / w,
                    h: bh / h,
                })
                .collect();
            YoloImage {
                file_name: image.file_name.clone(),
                width: image.width,
                height: image.height,
                split: image.split,
                labels,
                source: image.source.clone(),
            }
        })
        .collect();
    (YoloDataset { names, images }, report)
}

/// The dataset of YOLO labels: `x = (cx − w/2)·W`, `y = (cy − h/2)·H`, `w·W`, `h·H`. Class ids
/// are checked against `names` when labels are parsed ([`parse_labels`]); an id out of range
/// here is named `class<id>`.
pub fn to_dataset(yolo: &YoloDataset) -> Dataset {
    let images = yolo
        .images
        .iter()
        .map(|image| {
            let (w, h) = (f64::from(image.width), f64::from(image.height));
            let boxes = image
                .labels
                .iter()
                .map(|label| BoxAnnotation {
                    id: None,
                    class: yolo.names.get(label.class).cloned().unwrap_or_else(|| format!("class{}", label.class)),
                    bbox: [(label.cx - label.w / 2.0) * w, (label.cy - label.h / 2.0) * h, label.w * w, label.h * h],
                })
                .collect();
            ImageEntry {
                file_name: image.file_name.clone(),
                width: image.width,
                height: image.height,
                split: image.split,
                boxes,
                source: image.source.clone(),
            }
        })
        .collect();
    Dataset { images }
}
