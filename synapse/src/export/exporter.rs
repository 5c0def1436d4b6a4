//! [`Exporter`]: the hooks a plugin author overrides (the SDK's `BaseExporter`), their defaults
//! (DM JSON into `labels/`, the original file into `origin_files/`), [`DefaultExporter`], and
//! the functions the defaults are made of, for overrides to call: [`fetch_original`],
//! [`save_original`], [`save_json`].

use super::output::{ItemOutput, LABELS_DIR, ORIGINS_DIR};
use super::{ExportDir, ExportItem, ExportState, FileOutcome};
use crate::error::Result;
use crate::steps::StepRegistry;
use std::future::Future;
use std::path::PathBuf;

/// What turns an export's items into files: implement it (every hook has a default) and hand
/// it to [`run_export`](super::run_export).
///
/// Per item, in this order: [`before_convert`](Self::before_convert) →
/// [`convert_data`](Self::convert_data) → [`after_convert`](Self::after_convert) (the
/// `convert_data` step), then [`save_original_file`](Self::save_original_file) (when the params'
/// `save_original_file` is true) and [`save_as_json`](Self::save_as_json) (the `save_files`
/// step, several items at once). Once, after every item: [`additional_files`](Self::additional_files).
/// A convert hook's error, or a save hook's failed [`FileOutcome`], is recorded against the
/// item and the export goes on; an error of `additional_files` fails the export.
///
/// The hooks take `&self`: an exporter that gathers what it sees across items (a COCO file of
/// all of them) keeps it behind a lock.
pub trait Exporter: Send + Sync {
    /// Prepares an item for conversion. The default returns it as it is.
    ///
    /// # Errors
    /// Any: the item is recorded as failed (its data file), the others go on.
    fn before_convert(&self, item: ExportItem) -> Result<ExportItem> {
        Ok(item)
    }

    /// Converts an item's `data` (DM v1 as the backend keeps it). The default keeps it.
    ///
    /// # Errors
    /// Any: the item is recorded as failed (its data file), the others go on.
    fn convert_data(&self, item: ExportItem) -> Result<ExportItem> {
        Ok(item)
    }

    /// Finishes an item after conversion. The default returns it as it is.
    ///
    /// # Errors
    /// Any: the item is recorded as failed (its data file), the others go on.
    fn after_convert(&self, item: ExportItem) -> Result<ExportItem> {
        Ok(item)
    }

    /// Saves the item's original file. The default is [`save_original`]: downloaded, then
    /// written to `origin_files/<stem>.<ext>`.
    fn save_original_file(&self, item: &ExportItem, out: ItemOutput<'_>) -> impl Future<Output = FileOutcome> + Send {
        save_original(item, out)
    }

    /// Saves the item's data. The default is [`save_json`]: `labels/<stem>.json`.
    fn save_as_json(&self, item: &ExportItem, out: ItemOutput<'_>) -> impl Future<Output = FileOutcome> + Send {
        save_json(item, out)
    }

    /// Writes what spans every item (a dataset file), once, after the last item was saved. The
    /// default writes nothing.
    ///
    /// # Errors
    /// Any: the export fails, and its directory is removed.
    fn additional_files(&self, dir: &ExportDir) -> impl Future<Output = Result<()>> + Send {
        let _ = dir;
        async { Ok(()) }
    }

    /// Changes the workflow's steps before the run (`steps.insert_after("save_files", MyStep)`),
    /// as a train action's `TrainAction::steps` does. The default keeps them.
    ///
    /// # Errors
    /// A change the registry refuses (an unknown or repeated step name).
    fn steps(&self, registry: &mut StepRegistry<ExportState>) -> Result<()> {
        let _ = registry;
        Ok(())
    }
}

/// The exporter whose hooks are all the defaults: each item's DM JSON in `labels/`, its
/// original file in `origin_files/`.
#[derive(Clone, Copy, Debug, Default)]
pub struct DefaultExporter;

impl Exporter for DefaultExporter {}

/// The item's original file, downloaded into its scratch directory (once: a second call finds
/// it there), named `<stem>.<ext of its name>`; its local path.
///
/// # Errors
/// Why it could not be had, in words for the error list: the item has no original file, its
/// name is unsafe, or the download failed (after the client's retries), naming the URL without
/// its query.
pub async fn fetch_original(item: &ExportItem, out: ItemOutput<'_>) -> std::result::Result<PathBuf, String> {
    let Some(original) = &item.original else {
        return Err("file information missing (the item has no original file)".to_owned());
    };
    let name = original_name(item, out.stem)?;
    let path = out.scratch.join(&name);
    if path.is_file() {
        return Ok(path);
    }
    match out.client.download(&original.url, &path).await {
        Ok(_) => Ok(path),
        Err(error) => {
            let url = original.url.split('?').next().unwrap_or_default();
            Err(format!("downloading {url}: {error}"))
        }
    }
}

/// The name the item's original file is saved under: `<stem>.<its extension>`.
fn original_name(item: &ExportItem, stem: &str) -> std::result::Result<String, String> {
    let name = item
        .original
        .as_ref()
        .and_then(super::OriginalFile::file_name)
        .ok_or_else(|| "file information missing (url or file name)".to_owned())?;
    Ok(match name.rsplit_once('.') {
        Some((base, extension)) if !base.is_empty() => format!("{stem}.{extension}"),
        _ => stem.to_owned(),
    })
}

/// The default [`Exporter::save_original_file`]: [`fetch_original`], then the file written to
/// `origin_files/<stem>.<ext>` of the export.
pub async fn save_original(item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
    let name = original_name(item, out.stem).unwrap_or_else(|_| "<unknown>".to_owned());
    let path = match fetch_original(item, out).await {
        Ok(path) => path,
        Err(reason) => return FileOutcome::failed(name, reason),
    };
    match out.dir.put_file(&format!("{ORIGINS_DIR}/{name}"), &path).await {
        Ok((key, _)) => FileOutcome::saved(name, key),
        Err(error) => FileOutcome::failed(name, error.to_string()),
    }
}

/// The default [`Exporter::save_as_json`]: the item's `data` written to `labels/<stem>.json`
/// (an item whose `data` is `null` fails: "data is null", as the SDK's `NULL_DATA_DETECTED`).
pub async fn save_json(item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
    let name = format!("{}.json", out.stem);
    if item.data.is_null() {
        return FileOutcome::failed(name, "data is null (the item has no annotation)");
    }
    match out.dir.put_json(&format!("{LABELS_DIR}/{name}"), &item.data).await {
        Ok(key) => FileOutcome::saved(name, key),
        Err(error) => FileOutcome::failed(name, error.to_string()),
    }
}
