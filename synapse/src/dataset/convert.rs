//! A downloaded dataset converted to another format with the converter registry, kept beside
//! its source so the next run finds it.

use super::{COMPLETE_MARKER, DatasetError};
use crate::formats::{ConversionReport, ConvertOptions, converter_for};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The directory of a dataset's conversions.
pub const CONVERTED_DIR: &str = "converted";

/// A converted dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct ConvertedDataset {
    /// Its directory.
    pub path: PathBuf,
    /// Its format (`yolo`, `coco`, `pascal`, or a plugin's).
    pub format: String,
    /// The file a trainer opens, when the format has one (`dataset.yaml` for YOLO).
    pub config_path: Option<PathBuf>,
    /// The counts of the conversion (of the one that wrote it, for a conversion found
    /// complete; its `skipped` list is then empty).
    pub report: ConversionReport,
    /// Whether it was found complete (nothing was converted).
    pub from_cache: bool,
}

impl ConvertedDataset {
    /// What a trainer opens: the config file, else the directory (the SDK's `data_path`).
    pub fn data_path(&self) -> &Path {
        self.config_path.as_deref().unwrap_or(&self.path)
    }
}

/// The `.complete` marker of a conversion.
#[derive(Serialize, Deserialize)]
struct Marker {
    format: String,
    /// Relative to the conversion's directory.
    config: Option<String>,
    images: usize,
    boxes_written: usize,
    boxes_clipped: usize,
    degenerate_dropped: usize,
    unknown_classes: usize,
}

/// The config file a trainer opens in a dataset of `format`, relative to its directory.
pub fn config_file(format: &str) -> Option<&'static str> {
    (format == "yolo").then_some("dataset.yaml")
}

/// Converts the dataset at `source` (of `source_format`) to `target` with the registered
/// converter: into `output_dir` when given, else beside the source (see *Layout* below), where a
/// complete conversion is returned as it is.
///
/// Blocking (it reads and writes every image): run it on a blocking thread.
///
/// ```no_run
/// use synapse::dataset::convert_dataset;
/// use synapse::formats::ConvertOptions;
/// let yolo = convert_dataset("/data/gt-12".as_ref(), "dm_v2", "yolo", None, &ConvertOptions::default())?;
/// assert!(yolo.data_path().ends_with("dataset.yaml"));
/// # Ok::<(), synapse::dataset::DatasetError>(())
/// ```
///
/// # Errors
/// [`DatasetError::Convert`]: no converter for the pair (listing the registered pairs), or what
/// the converter met, naming the file; [`DatasetError::Io`] for the directories and the marker.
///
/// # Layout
///
/// Without an output directory, the conversion of `<dataset>` to `<target>` is written to
/// `<dataset>/converted/.tmp-<target>-<random>/`, its `.complete` marker (the format, the
/// config file and the counts, as JSON) written last, then renamed to
/// `<dataset>/converted/<target>/`: an interrupted conversion is never mistaken for a complete
/// one, and of two concurrent conversions the first rename wins and the second uses its result.
/// Inside a cache entry the conversion goes when the entry is evicted. The config file
/// (`dataset.yaml` for YOLO) names the final directory, not the temporary one.
///
/// With an output directory, the conversion is written there, its marker last.
pub fn convert_dataset(
    source: &Path,
    source_format: &str,
    target: &str,
    output_dir: Option<&Path>,
    options: &ConvertOptions,
) -> Result<ConvertedDataset, DatasetError> {
    let failed = |error| DatasetError::Convert {
        path: source.to_owned(),
        source_format: source_format.to_owned(),
        target: target.to_owned(),
        source: Box::new(error),
    };
    let converter = converter_for(source_format, target).map_err(failed)?;
    if !source.exists() {
        return Err(DatasetError::Io { path: source.to_owned(), reason: "does not exist".to_owned() });
    }
    if let Some(dir) = output_dir {
        std::fs::create_dir_all(dir).map_err(|error| DatasetError::io(dir, "created", error))?;
        let report = converter.convert(source, dir, options).map_err(failed)?;
        write_marker(dir, target, &report)?;
        return Ok(finished(dir.to_owned(), target, report, false));
    }
    let parent = source.join(CONVERTED_DIR);
    let entry = parent.join(target);
    if let Some(found) = read_marker(&entry) {
        return Ok(found);
    }
    std::fs::create_dir_all(&parent).map_err(|error| DatasetError::io(&parent, "created", error))?;
    let temporary = tempfile::Builder::new()
        .prefix(&format!(".tmp-{target}-"))
        .tempdir_in(&parent)
        .map_err(|error| DatasetError::io(&parent, "written to", error))?;
    let report = converter.convert(source, temporary.path(), options).map_err(failed)?;
    if let Some(config) = config_file(target) {
        point_config_at(&temporary.path().join(config), temporary.path(), &entry)?;
    }
    write_marker(temporary.path(), target, &report)?;
    if entry.exists() {
        // An earlier entry without its marker is a conversion that did not finish.
        if read_marker(&entry).is_some() {
            return read_marker(&entry).ok_or_else(|| DatasetError::io(&entry, "read", "its marker vanished"));
        }
        std::fs::remove_dir_all(&entry).map_err(|error| DatasetError::io(&entry, "removed", error))?;
    }
    let kept = temporary.keep();
    if let Err(error) = std::fs::rename(&kept, &entry) {
        let _ = std::fs::remove_dir_all(&kept);
        // Another conversion renamed its result first: use it.
        return read_marker(&entry).ok_or_else(|| DatasetError::io(&entry, "renamed into place", error));
    }
    Ok(finished(entry, target, report, false))
}

fn finished(path: PathBuf, format: &str, report: ConversionReport, from_cache: bool) -> ConvertedDataset {
    let config_path = config_file(format).map(|file| path.join(file)).filter(|file| file.is_file());
    ConvertedDataset { path, format: format.to_owned(), config_path, report, from_cache }
}

fn write_marker(dir: &Path, format: &str, report: &ConversionReport) -> Result<(), DatasetError> {
    let marker = Marker {
        format: format.to_owned(),
        config: config_file(format).filter(|file| dir.join(file).is_file()).map(str::to_owned),
        images: report.images,
        boxes_written: report.boxes_written,
        boxes_clipped: report.boxes_clipped,
        degenerate_dropped: report.degenerate_dropped,
        unknown_classes: report.unknown_classes,
    };
    let path = dir.join(COMPLETE_MARKER);
    let text = serde_json::to_vec_pretty(&marker).map_err(|error| DatasetError::io(&path, "written", error))?;
    std::fs::write(&path, text).map_err(|error| DatasetError::io(&path, "written", error))
}

/// The conversion at `dir`, when its marker says it is complete.
fn read_marker(dir: &Path) -> Option<ConvertedDataset> {
    let marker: Marker = serde_json::from_slice(&std::fs::read(dir.join(COMPLETE_MARKER)).ok()?).ok()?;
    let report = ConversionReport {
        images: marker.images,
        boxes_written: marker.boxes_written,
        boxes_clipped: marker.boxes_clipped,
        degenerate_dropped: marker.degenerate_dropped,
        unknown_classes: marker.unknown_classes,
        skipped: Vec::new(),
    };
    let config_path = marker.config.map(|file| dir.join(file));
    if config_path.as_ref().is_some_and(|file| !file.is_file()) {
        return None;
    }
    Some(ConvertedDataset { path: dir.to_owned(), format: marker.format, config_path, report, from_cache: true })
}

/// Rewrites the config file `file`, written in `from`, to name `to` instead (YOLO's `path:`).
fn point_config_at(file: &Path, from: &Path, to: &Path) -> Result<(), DatasetError> {
    if !file.is_file() {
        return Ok(());
    }
    let text = std::fs::read_to_string(file).map_err(|error| DatasetError::io(file, "read", error))?;
    let from = std::path::absolute(from).map_err(|error| DatasetError::io(from, "resolved", error))?;
    let to = std::path::absolute(to).map_err(|error| DatasetError::io(to, "resolved", error))?;
    let text = text.replace(from.to_string_lossy().as_ref(), to.to_string_lossy().as_ref());
    std::fs::write(file, text).map_err(|error| DatasetError::io(file, "written", error))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_names_the_final_directory() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join(".tmp-yolo-x");
        std::fs::create_dir(&from).unwrap();
        let file = from.join("dataset.yaml");
        std::fs::write(&file, format!("path: {}\ntrain: images/train\n", from.display())).unwrap();
        point_config_at(&file, &from, &dir.path().join("yolo")).unwrap();
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(text, format!("path: {}\ntrain: images/train\n", dir.path().join("yolo").display()));
    }

    #[test]
    fn an_unregistered_target_names_the_registered_pairs() {
        let dir = tempfile::tempdir().unwrap();
        let error = convert_dataset(dir.path(), "dm_v2", "tfrecord", None, &ConvertOptions::default()).unwrap_err();
        let text = error.to_string();
        assert!(text.contains("no converter from dm_v2 to tfrecord"), "{text}");
        assert!(text.contains("dm_v2 → yolo"), "{text}");
    }
}
