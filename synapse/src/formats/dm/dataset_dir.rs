//! DM v2 dataset directories as dataset download writes them: `<split>/json/<stem>.json` and
//! `<split>/original_files/<stem>.<ext>` per split (`train`, `valid`, `test`), or `json/` and
//! `original_files/` at the root of a dataset without splits (the Python SDK's `DatasetAction`).

use super::v2::{self, DmV2Document, DmV2Item};
use crate::formats::io::{self, IMAGE_EXTENSIONS};
use crate::formats::{Dataset, FormatError, Split};
use std::path::Path;

/// Reads a DM v2 dataset directory: every `json/*.json` with its image in `original_files/`
/// (sizes from the image headers), sorted by split, then file name.
///
/// # Errors
/// [`FormatError::NotADataset`] when `root` has neither `json/` nor a split's `json/`,
/// [`FormatError::Json`] naming a document that is not DM v2, [`FormatError::MissingImage`] for
/// a document without its image, [`FormatError::Image`] for an image whose header cannot be
/// read, [`FormatError::Io`] for directories that cannot be listed.
pub fn read_dir(root: &Path) -> Result<Dataset, FormatError> {
    let mut dataset = Dataset::default();
    if root.join("json").is_dir() {
        read_split(&root.join("json"), &root.join("original_files"), None, &mut dataset)?;
    } else {
        let splits: Vec<Split> =
            Split::ALL.into_iter().filter(|s| root.join(s.dm_name()).join("json").is_dir()).collect();
        if splits.is_empty() {
            let expected = "json/ or train|valid|test/json/";
            return Err(FormatError::NotADataset { path: root.to_owned(), format: "DM v2", expected });
        }
        for split in splits {
            let dir = root.join(split.dm_name());
            read_split(&dir.join("json"), &dir.join("original_files"), Some(split), &mut dataset)?;
        }
    }
    Ok(dataset)
}

fn read_split(
    json_dir: &Path,
    image_dir: &Path,
    split: Option<Split>,
    dataset: &mut Dataset,
) -> Result<(), FormatError> {
    let images = io::files_by_stem(image_dir, &IMAGE_EXTENSIONS)?;
    let mut documents: Vec<_> = io::files_by_stem(json_dir, &["json"])?.into_iter().collect();
    documents.sort();
    for (stem, json_path) in documents {
        let image_path = images.get(&stem).ok_or_else(|| FormatError::MissingImage {
            annotation: json_path.clone(),
            stem: stem.clone(),
            dir: image_dir.to_owned(),
        })?;
        let text = io::read_to_string(&json_path)?;
        let document: DmV2Document = serde_json::from_str(&text).map_err(|error| FormatError::Json {
            path: json_path.clone(),
            format: "DM v2",
            message: error.to_string(),
        })?;
        let (width, height) = io::image_size(image_path)?;
        let item = DmV2Item { file_name: io::file_name(image_path), width, height, split, document };
        let mut image = v2::to_image(&item);
        image.source = Some(image_path.clone());
        dataset.images.push(image);
    }
    Ok(())
}

/// Writes `dataset` as a DM v2 dataset directory (canonical boxes; images copied from their
/// `source`), the layout [`read_dir`] reads. A [`Dataset`] holds boxes only: the other tools of
/// a DM document read by [`read_dir`] (polygons, keypoints, …) and box attributes are not in it,
/// so not written back.
///
/// # Errors
/// [`FormatError::Io`] naming the file or directory that cannot be written.
pub fn write_dir(dataset: &Dataset, root: &Path) -> Result<(), FormatError> {
    for image in &dataset.images {
        let dir = match image.split {
            Some(split) => root.join(split.dm_name()),
            None => root.to_owned(),
        };
        let (json_dir, image_dir) = (dir.join("json"), dir.join("original_files"));
        io::create_dir(&json_dir)?;
        io::create_dir(&image_dir)?;
        let item = v2::from_image(image);
        let text = serde_json::to_string(&item.document).map_err(|error| FormatError::Json {
            path: json_dir.clone(),
            format: "DM v2",
            message: error.to_string(),
        })?;
        io::write(&json_dir.join(format!("{}.json", io::stem(&image.file_name))), text)?;
        if let Some(source) = &image.source {
            io::copy(source, &image_dir.join(&image.file_name))?;
        }
    }
    Ok(())
}
