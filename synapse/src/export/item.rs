//! What an export handles per item: [`ExportItem`] (its id, its DM JSON, its original file) read
//! from a listing row as the SDK's target handlers read it (`handlers.py` `get_export_item`), and
//! what saving it gave: [`FileOutcome`], [`ItemFailure`], [`ExportStatus`], [`MetricsRecord`].

use crate::backend::{Assignment, DataUnitFile, GroundTruthEvent, Task};
use crate::formats::dm::v2::DmV2Document;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// One item of an export: a ground-truth event, a task or an assignment, as the SDK's handlers
/// hand it to the exporter (`{id, data, files}`).
///
/// ```
/// use synapse::export::{ExportItem, OriginalFile};
/// let item = ExportItem::new(7, serde_json::json!({"annotations": {}}))
///     .with_original(OriginalFile::new("http://host/media/gt/1/img_0001.png", None));
/// assert_eq!(item.original.as_ref().unwrap().file_name(), Some("img_0001.png".to_owned()));
/// assert_eq!(item.stem(), "img_0001");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ExportItem {
    /// The event's, task's or assignment's id.
    pub id: u64,
    /// Its annotation JSON: DM v1 as the backend keeps it (`{annotations, annotationsData, …}`)
    /// until a convert hook changes it; `null` for a task nobody annotated.
    pub data: Value,
    /// Its primary file (the image), when it has one.
    pub original: Option<OriginalFile>,
}

/// An item's primary file: where to download it and the name it had.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalFile {
    /// Its URL (a storage's, or the backend's media).
    pub url: String,
    /// Its original name (`file_name_original`, else `filename`, else `name`), when the
    /// backend gives one.
    pub name: Option<String>,
}

impl OriginalFile {
    /// The file at `url`, named `name`.
    pub fn new(url: impl Into<String>, name: Option<String>) -> Self {
        OriginalFile { url: url.into(), name }
    }

    /// The name it is saved under: its original name, else the last segment of its URL's path,
    /// reduced to a leaf (no directories, no `..`: the SDK's `_safe_output_name`); `None` when
    /// neither gives one.
    pub fn file_name(&self) -> Option<String> {
        let from_url = || {
            let path = self.url.split(['?', '#']).next().unwrap_or_default();
            path.rsplit('/').next().map(str::to_owned)
        };
        let name = self.name.clone().filter(|name| !name.is_empty()).or_else(from_url)?;
        safe_leaf(&name)
    }

    fn of_unit_file(file: &DataUnitFile) -> Option<Self> {
        let url = file.url.clone()?;
        Some(OriginalFile { url, name: file.file_name().map(str::to_owned) })
    }
}

/// `name` reduced to its last path segment; `None` for an empty one, `.` or `..`.
pub(crate) fn safe_leaf(name: &str) -> Option<String> {
    let leaf = name.replace('\\', "/").rsplit('/').next().unwrap_or_default().to_owned();
    (!leaf.is_empty() && leaf != "." && leaf != "..").then_some(leaf)
}

impl ExportItem {
    /// An item without an original file.
    pub fn new(id: u64, data: Value) -> Self {
        ExportItem { id, data, original: None }
    }

    /// With `original` as its primary file.
    pub fn with_original(mut self, original: OriginalFile) -> Self {
        self.original = Some(original);
        self
    }

    /// The stem its files are named after before collisions are resolved: its original file's
    /// name without the extension, else its id (as the SDK names a ground-truth event's JSON).
    pub fn stem(&self) -> String {
        let name = self.original.as_ref().and_then(OriginalFile::file_name);
        match name {
            Some(name) => match name.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem.to_owned(),
                _ => name,
            },
            None => self.id.to_string(),
        }
    }

    /// Its `data` as a canonical DM v2 document (`{images: [{bounding_box: [{id, classification,
    /// attrs, data}]}]}`): a v2 document read in any of the box forms the SDK writes, anything
    /// else read as DM v1 and converted (the dataset download's reading, [`crate::formats::dm`]).
    ///
    /// # Errors
    /// What is wrong with `data`, in words: not an object, not DM v1 or v2, a box without
    /// its geometry.
    pub fn dm_v2(&self) -> Result<DmV2Document, String> {
        let written = crate::dataset::dm::written(self.data.clone())?;
        serde_json::from_value(written).map_err(|error| error.to_string())
    }

    /// The item of a ground-truth event: its `data`, its primary file (`is_primary`, else the
    /// first image).
    pub fn from_event(event: &GroundTruthEvent) -> Self {
        let original = event.primary_file().map(|(_, file)| {
            let name = ["file_name_original", "filename", "name"]
                .iter()
                .find_map(|key| file.other.get(*key).and_then(Value::as_str))
                .map(str::to_owned);
            OriginalFile { url: file.url.clone(), name }
        });
        ExportItem { id: event.id, data: event.data.clone(), original }
    }

    /// The item of a task: its `data`, its data unit's primary file.
    pub fn from_task(task: &Task) -> Self {
        let original = task.unit_files().and_then(primary).and_then(OriginalFile::of_unit_file);
        ExportItem { id: task.id, data: task.data.clone(), original }
    }

    /// The item of an assignment: its `data`, its `file` (the SDK's v1 assignment shape).
    pub fn from_assignment(assignment: &Assignment) -> Self {
        let original = assignment.file.as_ref().and_then(OriginalFile::of_unit_file);
        ExportItem { id: assignment.id, data: assignment.data.clone(), original }
    }
}

/// The primary file of a data unit's files: the one marked `is_primary`, else the first (the
/// SDK's `_select_primary_file_entry`).
fn primary(files: &BTreeMap<String, DataUnitFile>) -> Option<&DataUnitFile> {
    files.values().find(|file| file.is_primary).or_else(|| files.values().next())
}

/// How saving a file of an item went: the SDK's `ExportStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Saved.
    Success,
    /// Not saved.
    Failed,
    /// Not handled yet.
    StandBy,
}

/// What saving one file of an item gave (the outcome a `save_*` hook returns).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file's name in the export (`img_0001.png`, `img_0001.json`).
    pub file_name: String,
    /// Its key in the storage, when it was written.
    pub key: Option<String>,
    /// Success or failure.
    pub status: ExportStatus,
    /// Why it failed (empty on success).
    pub error: String,
}

impl FileOutcome {
    /// `file_name` saved at `key`.
    pub fn saved(file_name: impl Into<String>, key: impl Into<String>) -> Self {
        FileOutcome {
            file_name: file_name.into(),
            key: Some(key.into()),
            status: ExportStatus::Success,
            error: String::new(),
        }
    }

    /// `file_name` not saved, because of `reason`.
    pub fn failed(file_name: impl Into<String>, reason: impl Into<String>) -> Self {
        FileOutcome { file_name: file_name.into(), key: None, status: ExportStatus::Failed, error: reason.into() }
    }

    /// Whether it was saved.
    pub fn is_saved(&self) -> bool {
        self.status == ExportStatus::Success
    }
}

/// Which file of an item: the metrics categories and the two lists of the error file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Its original file (`origin_files/`; metrics category `original_file`).
    OriginalFile,
    /// Its annotation (`labels/`; metrics category `data_file`). A conversion that fails counts here.
    DataFile,
}

impl FileKind {
    /// The metrics category (`original_file`, `data_file`), as the SDK's `log_metrics` names it.
    pub fn category(self) -> &'static str {
        match self {
            FileKind::OriginalFile => "original_file",
            FileKind::DataFile => "data_file",
        }
    }
}

/// An item that was not (wholly) exported: which, which file, why. The others go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ItemFailure {
    /// The item's id.
    pub id: u64,
    /// Which of its files.
    pub kind: FileKind,
    /// The file's name in the export (`<unknown>` when it has none).
    pub file_name: String,
    /// Why.
    pub reason: String,
}

impl std::fmt::Display for ItemFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "item {} ({} {}): {}", self.id, self.kind.category(), self.file_name, self.reason)
    }
}

/// Counts per file kind: the SDK's `MetricsRecord` (`{stand_by, success, failed}`), reported as
/// the metrics of its category.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct MetricsRecord {
    /// Files not handled yet.
    pub stand_by: u64,
    /// Files saved.
    pub success: u64,
    /// Files that failed.
    pub failed: u64,
}

impl MetricsRecord {
    /// `total` files waiting.
    pub fn waiting(total: u64) -> Self {
        MetricsRecord { stand_by: total, success: 0, failed: 0 }
    }

    /// One more file handled, saved or not.
    pub fn record(&mut self, saved: bool) {
        self.stand_by = self.stand_by.saturating_sub(1);
        if saved {
            self.success += 1;
        } else {
            self.failed += 1;
        }
    }

    /// As metrics values.
    pub fn values(&self) -> serde_json::Map<String, Value> {
        let mut map = serde_json::Map::new();
        map.insert("stand_by".to_owned(), self.stand_by.into());
        map.insert("success".to_owned(), self.success.into());
        map.insert("failed".to_owned(), self.failed.into());
        map
    }
}
