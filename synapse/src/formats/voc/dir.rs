//! Pascal VOC on disk: `Annotations/<stem>.xml`, `JPEGImages/<image>`,
//! `ImageSets/Main/<split>.txt` (the stems of each split), plus `classes.txt` (the SDK's extra).

use super::{VocAnnotation, from_dataset, parse, render, to_image};
use crate::formats::io;
use crate::formats::{ConversionReport, ConvertOptions, Dataset, FormatError, Split};
use std::collections::HashMap;
use std::path::Path;

/// Converts `dataset` and writes it under `root`, copying images from their `source`.
///
/// # Errors
/// [`FormatError::Io`] naming what cannot be written.
pub fn write_dir(dataset: &Dataset, options: &ConvertOptions, root: &Path) -> Result<ConversionReport, FormatError> {
    let (files, report) = from_dataset(dataset, options);
    let (annotations, images) = (root.join("Annotations"), root.join("JPEGImages"));
    io::create_dir(&annotations)?;
    io::create_dir(&images)?;
    let mut sets: HashMap<Split, String> = HashMap::new();
    for ((split, voc), image) in files.iter().zip(&dataset.images) {
        let stem = io::stem(&voc.filename);
        io::write(&annotations.join(format!("{stem}.xml")), render(voc))?;
        if let Some(source) = &image.source {
            io::copy(source, &images.join(&voc.filename))?;
        }
        if let Some(split) = split {
            let set = sets.entry(*split).or_default();
            set.push_str(stem);
            set.push('\n');
        }
    }
    if !sets.is_empty() {
        let main = root.join("ImageSets").join("Main");
        io::create_dir(&main)?;
        for (split, stems) in sets {
            io::write(&main.join(format!("{}.txt", split.short_name())), stems)?;
        }
    }
    let classes: String = options.classes_for(dataset).iter().map(|name| format!("{name}\n")).collect();
    io::write(&root.join("classes.txt"), classes)?;
    Ok(report)
}

/// Reads every `Annotations/*.xml` under `root`, sorted by split, then stem; splits from
/// `ImageSets/Main/{train,val,test}.txt` when present. Image sizes come from the XML; an
/// image's `source` is set when it is in `JPEGImages/`.
///
/// # Errors
/// [`FormatError::NotADataset`] without `Annotations/`, [`FormatError::Xml`] naming a file that
/// is not VOC XML, [`FormatError::Io`].
pub fn read_dir(root: &Path, one_based: bool) -> Result<Dataset, FormatError> {
    let mut split_of: HashMap<String, Split> = HashMap::new();
    for split in Split::ALL {
        let set = root.join("ImageSets").join("Main").join(format!("{}.txt", split.short_name()));
        if set.is_file() {
            for stem in io::read_to_string(&set)?.lines().map(str::trim).filter(|s| !s.is_empty()) {
                split_of.insert(stem.to_owned(), split);
            }
        }
    }
    let mut files: Vec<_> = io::files_by_stem(&root.join("Annotations"), &["xml"])?.into_iter().collect();
    if files.is_empty() && !root.join("Annotations").is_dir() {
        return Err(FormatError::NotADataset { path: root.to_owned(), format: "Pascal VOC", expected: "Annotations/" });
    }
    files.sort_by(|(a, _), (b, _)| (split_of.get(a), a).cmp(&(split_of.get(b), b)));
    let mut dataset = Dataset::default();
    for (stem, path) in files {
        let voc: VocAnnotation = parse(&io::read_to_string(&path)?, &path)?;
        let mut image = to_image(&voc, split_of.get(&stem).copied(), one_based);
        let candidate = root.join("JPEGImages").join(&voc.filename);
        image.source = candidate.is_file().then_some(candidate);
        dataset.images.push(image);
    }
    Ok(dataset)
}
