//! COCO on disk: `annotations/instances_<split>.json` (`instances.json` without splits) and the
//! images in `<split>/` (`images/` without splits), the Detectron/pycocotools convention.

use super::{CocoInfo, CocoInstances, from_dataset, to_dataset};
use crate::formats::io;
use crate::formats::{ConversionReport, ConvertOptions, Dataset, FormatError, Split};
use std::path::Path;

/// Converts `dataset` and writes it under `root`, copying images from their `source`.
///
/// # Errors
/// [`FormatError::Io`] naming what cannot be written.
pub fn write_dir(
    dataset: &Dataset,
    options: &ConvertOptions,
    info: &CocoInfo,
    root: &Path,
) -> Result<ConversionReport, FormatError> {
    let (files, report) = from_dataset(dataset, options, info);
    io::create_dir(&root.join("annotations"))?;
    for (split, instances) in &files {
        let (name, images) = match split {
            Some(split) => (format!("instances_{}.json", split.short_name()), root.join(split.short_name())),
            None => ("instances.json".to_owned(), root.join("images")),
        };
        let path = root.join("annotations").join(name);
        let text = serde_json::to_string(instances).map_err(|error| FormatError::Json {
            path: path.clone(),
            format: "COCO instances",
            message: error.to_string(),
        })?;
        io::write(&path, text)?;
        io::create_dir(&images)?;
        for image in dataset.images.iter().filter(|image| image.split == *split) {
            if let Some(source) = &image.source {
                io::copy(source, &images.join(&image.file_name))?;
            }
        }
    }
    Ok(report)
}

/// Reads every `annotations/instances*.json` under `root` (split from the name:
/// `instances_train.json`, `instances_val.json`, …); an image's `source` is set when its file
/// is in the split's image directory. Image sizes come from the JSON.
///
/// # Errors
/// [`FormatError::NotADataset`] without any `annotations/instances*.json`,
/// [`FormatError::Json`] naming a file that is not COCO instances JSON, and the errors of
/// [`to_dataset`].
pub fn read_dir(root: &Path) -> Result<Dataset, FormatError> {
    let mut files: Vec<_> = io::files_by_stem(&root.join("annotations"), &["json"])?
        .into_iter()
        .filter(|(stem, _)| stem.starts_with("instances"))
        .collect();
    if files.is_empty() {
        let expected = "annotations/instances*.json";
        return Err(FormatError::NotADataset { path: root.to_owned(), format: "COCO", expected });
    }
    files.sort_by_key(|(stem, _)| (stem.strip_prefix("instances_").and_then(Split::from_name), stem.clone()));
    let mut dataset = Dataset::default();
    for (stem, path) in files {
        let Some(rest) = stem.strip_prefix("instances") else { continue };
        let split = rest.strip_prefix('_').and_then(Split::from_name);
        let text = io::read_to_string(&path)?;
        let instances: CocoInstances = serde_json::from_str(&text).map_err(|error| FormatError::Json {
            path: path.clone(),
            format: "COCO instances",
            message: error.to_string(),
        })?;
        let images_dir = match split {
            Some(split) => root.join(split.short_name()),
            None => root.join("images"),
        };
        let mut part = to_dataset(&instances, split, &path)?;
        for image in &mut part.images {
            let candidate = images_dir.join(&image.file_name);
            image.source = candidate.is_file().then_some(candidate);
        }
        dataset.images.extend(part.images);
    }
    Ok(dataset)
}
