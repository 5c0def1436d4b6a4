//! The Ultralytics layout on disk: `dataset.yaml`, `images/<split>/`, `labels/<split>/`
//! (`images/` and `labels/` without splits), plus `classes.txt` (the Python SDK's extra).

use super::{YoloDataset, YoloImage, dataset_yaml, parse_labels, render_labels};
use crate::formats::io::{self, IMAGE_EXTENSIONS};
use crate::formats::{FormatError, Split};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Writes `yolo` under `root`: labels (no file for an image without rows, as Ultralytics
/// expects), images copied from their `source`, `dataset.yaml` with `path` the absolute root,
/// and `classes.txt`.
///
/// # Errors
/// [`FormatError::Io`] naming what cannot be written.
pub fn write_dir(yolo: &YoloDataset, root: &Path) -> Result<(), FormatError> {
    io::create_dir(root)?;
    let root = std::path::absolute(root).map_err(FormatError::io("resolving", root))?;
    let mut splits: Vec<Split> = yolo.images.iter().filter_map(|image| image.split).collect();
    splits.sort_unstable();
    splits.dedup();
    let mut made = std::collections::HashSet::new();
    for image in &yolo.images {
        let sub = image.split.map(Split::short_name);
        let (images, labels) = match sub {
            Some(sub) => (root.join("images").join(sub), root.join("labels").join(sub)),
            None => (root.join("images"), root.join("labels")),
        };
        if made.insert(sub) {
            io::create_dir(&images)?;
            io::create_dir(&labels)?;
        }
        if !image.labels.is_empty() {
            io::write(&labels.join(format!("{}.txt", io::stem(&image.file_name))), render_labels(&image.labels))?;
        }
        if let Some(source) = &image.source {
            io::copy(source, &images.join(&image.file_name))?;
        }
    }
    io::write(&root.join("dataset.yaml"), dataset_yaml(&root.to_string_lossy(), &splits, &yolo.names))?;
    let classes: String = yolo.names.iter().map(|name| format!("{name}\n")).collect();
    io::write(&root.join("classes.txt"), classes)
}

#[derive(Deserialize)]
struct DatasetYaml {
    path: Option<String>,
    train: Option<String>,
    val: Option<String>,
    test: Option<String>,
    names: Names,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Names {
    List(Vec<String>),
    Map(BTreeMap<usize, String>),
}

/// Reads a YOLO dataset from its `dataset.yaml`: each of `train`, `val`, `test` an image
/// directory (relative to `path`, itself relative to the YAML's directory), labels where
/// Ultralytics looks (the last `images` component replaced with `labels`, `.txt`). `train` and
/// `val` naming one directory is a dataset without splits. An image without a label file has no
/// boxes.
///
/// # Errors
/// [`FormatError::Line`] for a `dataset.yaml` that cannot be read as one (or whose `names` has
/// gaps), the errors of [`parse_labels`], [`FormatError::Image`] for an image whose header
/// cannot be read.
pub fn read_dir(yaml_path: &Path) -> Result<YoloDataset, FormatError> {
    let text = io::read_to_string(yaml_path)?;
    let yaml: DatasetYaml = serde_saphyr::from_str(&text).map_err(|error| FormatError::Line {
        path: yaml_path.to_owned(),
        line: error.location().map_or(1, |l| l.line() as usize),
        message: error.to_string().lines().next().unwrap_or_default().to_owned(),
    })?;
    let names = match yaml.names {
        Names::List(names) => names,
        Names::Map(map) => {
            if map.keys().copied().ne(0..map.len()) {
                let message = "`names` must number its classes 0, 1, 2, … without gaps".to_owned();
                return Err(FormatError::Line { path: yaml_path.to_owned(), line: 1, message });
            }
            map.into_values().collect()
        }
    };
    let dir = yaml_path.parent().unwrap_or(Path::new("."));
    let base = yaml.path.map_or_else(|| dir.to_owned(), |path| dir.join(path));
    let mut dirs: Vec<(Option<Split>, PathBuf)> = Vec::new();
    for (split, value) in [(Split::Train, yaml.train), (Split::Valid, yaml.val), (Split::Test, yaml.test)] {
        if let Some(value) = value {
            let images = base.join(value);
            // Two keys naming one directory (a dataset without `val`): the split it is named for.
            match dirs.iter_mut().find(|(_, seen)| *seen == images) {
                Some(seen) if images.ends_with(split.short_name()) => seen.0 = Some(split),
                Some(_) => {}
                None => dirs.push((Some(split), images)),
            }
        }
    }
    if let [(split, images)] = dirs.as_mut_slice()
        && *images == base.join("images")
    {
        *split = None;
    }
    let mut yolo = YoloDataset { names, images: Vec::new() };
    for (split, images_dir) in dirs {
        let labels_dir = labels_dir_of(&images_dir);
        let mut images: Vec<_> = io::files_by_stem(&images_dir, &IMAGE_EXTENSIONS)?.into_iter().collect();
        images.sort();
        for (stem, image_path) in images {
            let label_path = labels_dir.join(format!("{stem}.txt"));
            let labels = match std::fs::read_to_string(&label_path) {
                Ok(text) => parse_labels(&text, &label_path, yolo.names.len())?,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Vec::new(),
                Err(error) => return Err(FormatError::io("reading", &label_path)(error)),
            };
            let (width, height) = io::image_size(&image_path)?;
            yolo.images.push(YoloImage {
                file_name: io::file_name(&image_path),
                width,
                height,
                split,
                labels,
                source: Some(image_path),
            });
        }
    }
    Ok(yolo)
}

/// Ultralytics' `img2label_paths`: the last `images` component of the path becomes `labels`.
fn labels_dir_of(images: &Path) -> PathBuf {
    let components: Vec<Component<'_>> = images.components().collect();
    match components.iter().rposition(|c| c.as_os_str() == "images") {
        Some(at) => components
            .iter()
            .enumerate()
            .map(|(index, c)| if index == at { Path::new("labels") } else { Path::new(c.as_os_str()) })
            .collect(),
        None => images.join("labels"),
    }
}
