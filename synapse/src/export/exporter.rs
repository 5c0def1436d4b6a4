//! [`Exporter`]: the hooks a plugin author overrides (the SDK's `BaseExporter`), their defaults
//! (DM JSON into `labels/`, the original file into `origin_files/`), [`DefaultExporter`], and
//! the functions the defaults are made of, for overrides to call: [`fetch_original`] (an
//! item's [`Original`], fetched once), [`save_original`], [`save_json`].

use super::output::{ItemOutput, LABELS_DIR, ORIGINS_DIR};
use super::{ExportDir, ExportItem, ExportState, FileOutcome};
use crate::backend::Fetched;
use crate::error::Result;
use crate::steps::StepRegistry;
use std::future::Future;
use std::path::Path;

/// The largest original file held in memory (8 MiB, by the response's `Content-Length`):
/// larger ones, and those of an unsaid length, are streamed to a file of the run's scratch
/// directory instead.
pub const IN_MEMORY_UP_TO: u64 = 8 << 20;

/// What turns an export's items into files: implement it (every hook has a default) and hand
/// it to [`run_export`](super::run_export).
///
/// Per item, in this order: [`before_convert`](Self::before_convert) →
/// [`convert_data`](Self::convert_data) → [`after_convert`](Self::after_convert) (the
/// `convert_data` step), then [`save_original_file`](Self::save_original_file) (when the params'
/// `save_original_file` is true) and [`save_as_json`](Self::save_as_json) (the `save_files`
/// step). Once, after every item: [`additional_files`](Self::additional_files). A convert
/// hook's error, or a save hook's failed [`FileOutcome`], is recorded against the item and the
/// export goes on; an error of `additional_files` fails the export.
///
/// The run works on one clone of the exporter, held in an `Arc` that its steps share (as
/// [`Uploader`](crate::upload::Uploader)s and [`Annotator`](crate::to_task::Annotator)s are
/// run), hence `Clone + 'static` (a unit struct is both). The steps call the hooks directly and
/// several items at once: conversions on blocking threads, a few batches of items at a time,
/// and the saves of at most `export_download_workers` items at a time. So the hooks take
/// `&self`, and what an exporter gathers across items (a COCO file of all of them) it keeps
/// behind a lock (a `Mutex`): that state lives for the run, in the run's clone, as the
/// data_ops example's `CocoExporter` keeps its boxes and images.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use synapse::export::{ExportItem, Exporter};
/// use synapse::prelude::*;
///
/// /// Counts the items it converts (the clones of one exporter share the count).
/// #[derive(Clone, Default)]
/// struct Counting(Arc<Mutex<u64>>);
///
/// impl Exporter for Counting {
///     fn convert_data(&self, item: ExportItem) -> Result<ExportItem> {
///         *self.0.lock().map_err(|_| Error::msg("poisoned"))? += 1;
///         Ok(item)
///     }
/// }
/// ```
pub trait Exporter: Clone + Send + Sync + 'static {
    /// Prepares an item for conversion. The default returns it as it is.
    ///
    /// # Errors
    /// Any: the item is recorded as failed (its data file), the others go on.
    fn before_convert(&self, item: ExportItem) -> Result<ExportItem> {
        Ok(item)
    }

    /// Converts an item's `data` (DM v1 as the backend keeps it). The default keeps it. Runs on
    /// a blocking thread.
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

    /// Saves the item's original file. The default is [`save_original`]: fetched
    /// ([`fetch_original`]), then written to `origin_files/<stem>.<ext>`.
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

/// An item's original file as [`fetch_original`] had it: the name it is saved under and its
/// content, in memory when it is at most [`IN_MEMORY_UP_TO`] bytes, else in a file of the run's
/// scratch directory (removed once the item is saved).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Original {
    /// The name it is saved under: `<stem>.<ext of its name>`.
    pub name: String,
    /// Its content.
    pub body: Fetched,
}

impl Original {
    /// The image's `(width, height)` in pixels, read from its header (PNG or JPEG).
    ///
    /// # Errors
    /// Why not, in words for the error list (naming the file).
    pub fn image_size(&self) -> std::result::Result<(u32, u32), String> {
        let size = match &self.body {
            Fetched::Bytes(bytes) => crate::formats::image_size_from_bytes(bytes, Path::new(&self.name)),
            Fetched::File { path, .. } => crate::formats::image_size(path),
        };
        size.map_err(|error| error.to_string())
    }
}

/// The item's original file, fetched once per item (a second call, from the other save hook,
/// finds it in `out`): into memory when small, else into the run's scratch directory.
///
/// # Errors
/// Why it could not be had, in words for the error list: the item has no original file, its
/// name is unsafe, or the download failed (after the client's retries), naming the URL without
/// its query. A second call gives the first one's error.
pub async fn fetch_original<'a>(item: &ExportItem, out: ItemOutput<'a>) -> std::result::Result<&'a Original, String> {
    let fetched = out.original.cell.get_or_init(|| fetch(item, out)).await;
    fetched.as_ref().map_err(Clone::clone)
}

async fn fetch(item: &ExportItem, out: ItemOutput<'_>) -> std::result::Result<Original, String> {
    let Some(original) = &item.original else {
        return Err("file information missing (the item has no original file)".to_owned());
    };
    let name = original_name(item, out.stem)?;
    let large = out.scratch.join(&name);
    match out.client.fetch(&original.url, Some(IN_MEMORY_UP_TO), &large).await {
        Ok(body) => Ok(Original { name, body }),
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

/// The default [`Exporter::save_original_file`]: [`fetch_original`], then the file written
/// once to `origin_files/<stem>.<ext>` of the export.
pub async fn save_original(item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
    let name = original_name(item, out.stem).unwrap_or_else(|_| "<unknown>".to_owned());
    let original = match fetch_original(item, out).await {
        Ok(original) => original,
        Err(reason) => return FileOutcome::failed(name, reason),
    };
    let relative = format!("{ORIGINS_DIR}/{}", original.name);
    let written = match &original.body {
        Fetched::Bytes(bytes) => out.dir.put_bytes(&relative, bytes.clone()).await,
        Fetched::File { path, .. } => out.dir.put_file(&relative, path).await.map(|(key, _)| key),
    };
    match written {
        Ok(key) => FileOutcome::saved(name, key),
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
