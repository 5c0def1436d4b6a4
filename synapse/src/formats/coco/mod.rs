//! COCO instances JSON (`cocodataset.org/#format-data`): one file per split,
//! `{info, licenses, images, annotations, categories}`, boxes `[x, y, width, height]` in pixels,
//! `area = w·h`, `iscrowd: 0`, categories numbered 1..n over the sorted class names.

mod date;
mod dir;

pub use dir::{read_dir, write_dir};

use crate::formats::geometry::{ClassIndex, kept_boxes};
use crate::formats::io::number;
use crate::formats::{BoxAnnotation, ConversionReport, ConvertOptions, Dataset, FormatError, ImageEntry, Split};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

/// One instances file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoInstances {
    /// `info`.
    #[serde(default)]
    pub info: CocoInfo,
    /// `licenses`.
    #[serde(default)]
    pub licenses: Vec<CocoLicense>,
    /// `images`.
    pub images: Vec<CocoImage>,
    /// `annotations`.
    pub annotations: Vec<CocoAnnotation>,
    /// `categories`.
    pub categories: Vec<CocoCategory>,
}

/// `info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CocoInfo {
    /// `description`.
    pub description: String,
    /// `version`.
    pub version: String,
    /// `year`.
    pub year: u32,
    /// `contributor`.
    pub contributor: String,
    /// `url`.
    pub url: String,
    /// `date_created`, `YYYY-MM-DD`.
    pub date_created: String,
}

impl CocoInfo {
    /// `{"description": "synapse export", "version": "1.0"}` dated today (UTC).
    pub fn now() -> CocoInfo {
        let (year, month, day) = date::today();
        CocoInfo {
            description: "synapse export".to_owned(),
            version: "1.0".to_owned(),
            year,
            contributor: String::new(),
            url: String::new(),
            date_created: format!("{year:04}-{month:02}-{day:02}"),
        }
    }
}

/// `licenses[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoLicense {
    /// `id`.
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `url`.
    #[serde(default)]
    pub url: String,
}

/// `images[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoImage {
    /// `id`, from 1 in the order of the split's images.
    pub id: u64,
    /// `file_name`.
    pub file_name: String,
    /// `width`, pixels.
    pub width: u32,
    /// `height`, pixels.
    pub height: u32,
    /// `license`.
    #[serde(default)]
    pub license: u64,
}

/// `annotations[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoAnnotation {
    /// `id`, from 1.
    pub id: u64,
    /// `image_id`.
    pub image_id: u64,
    /// `category_id`.
    pub category_id: u64,
    /// `[x, y, width, height]`, pixels from the top-left corner.
    #[serde(serialize_with = "number::four")]
    pub bbox: [f64; 4],
    /// `w·h` for a box.
    #[serde(serialize_with = "number::one")]
    pub area: f64,
    /// `iscrowd`: 0 for the boxes written.
    #[serde(default)]
    pub iscrowd: u8,
    /// `segmentation`: `[]` for a box (the spec's polygon-list type, empty).
    #[serde(default = "empty_list")]
    pub segmentation: Value,
}

fn empty_list() -> Value {
    Value::Array(Vec::new())
}

/// `categories[]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CocoCategory {
    /// `id`, 1..n over the sorted class names.
    pub id: u64,
    /// `name`.
    pub name: String,
    /// `supercategory` (the name itself, as the Python SDK writes it).
    #[serde(default)]
    pub supercategory: String,
}

/// One instances file per split of `dataset` (one with split `None` without splits), each with
/// every category. Boxes are clipped, degenerate ones and those of unknown classes dropped
/// (counted in the report). Pure: no file is read.
pub fn from_dataset(
    dataset: &Dataset,
    options: &ConvertOptions,
    info: &CocoInfo,
) -> (Vec<(Option<Split>, CocoInstances)>, ConversionReport) {
    let names = options.classes_for(dataset);
    let index = ClassIndex::new(&names);
    let categories: Vec<CocoCategory> = (1..)
        .zip(&names)
        .map(|(id, name)| CocoCategory { id, name: name.clone(), supercategory: name.clone() })
        .collect();
    let mut report = ConversionReport::default();
    let mut splits: Vec<Option<Split>> = dataset.images.iter().map(|image| image.split).collect();
    splits.sort_unstable();
    splits.dedup();
    let files = splits
        .into_iter()
        .map(|split| {
            let mut instances = CocoInstances {
                info: info.clone(),
                licenses: vec![CocoLicense { id: 1, name: "Unknown".to_owned(), url: String::new() }],
                images: Vec::new(),
                annotations: Vec::new(),
                categories: categories.clone(),
            };
            for image in dataset.images.iter().filter(|image| image.split == split) {
                let image_id = instances.images.len() as u64 + 1;
                instances.images.push(CocoImage {
                    id: image_id,
                    file_name: image.file_name.clone(),
                    width: image.width,
                    height: image.height,
                    license: 1,
                });
                for (class, bbox) in kept_boxes(image, &index, &mut report) {
                    instances.annotations.push(CocoAnnotation {
                        id: instances.annotations.len() as u64 + 1,
                        image_id,
                        category_id: class as u64 + 1,
                        bbox,
                        area: bbox[2] * bbox[3],
                        iscrowd: 0,
                        segmentation: empty_list(),
                    });
                }
            }
            (split, instances)
        })
        .collect();
    (files, report)
}

/// The images of one instances file, each with its boxes (`bbox` as is); `origin` names the
/// file in errors.
///
/// # Errors
/// [`FormatError::UnknownCategory`], [`FormatError::UnknownImageId`] naming the annotation.
pub fn to_dataset(instances: &CocoInstances, split: Option<Split>, origin: &Path) -> Result<Dataset, FormatError> {
    let categories: HashMap<u64, &str> = instances.categories.iter().map(|c| (c.id, c.name.as_str())).collect();
    let positions: HashMap<u64, usize> =
        instances.images.iter().enumerate().map(|(at, image)| (image.id, at)).collect();
    let mut images: Vec<ImageEntry> = instances
        .images
        .iter()
        .map(|image| ImageEntry {
            file_name: image.file_name.clone(),
            width: image.width,
            height: image.height,
            split,
            boxes: Vec::new(),
            source: None,
        })
        .collect();
    for annotation in &instances.annotations {
        let class = categories.get(&annotation.category_id).ok_or_else(|| FormatError::UnknownCategory {
            path: origin.to_owned(),
            annotation: annotation.id,
            category: annotation.category_id,
        })?;
        let at = positions.get(&annotation.image_id).ok_or_else(|| FormatError::UnknownImageId {
            path: origin.to_owned(),
            annotation: annotation.id,
            image: annotation.image_id,
        })?;
        images[*at].boxes.push(BoxAnnotation { id: None, class: (*class).to_owned(), bbox: annotation.bbox });
    }
    Ok(Dataset { images })
}
