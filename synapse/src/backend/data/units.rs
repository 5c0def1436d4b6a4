//! Data units: `POST data_units/` (a list of `DataUnitCreateRequest`s), `GET data_units/{id}/`
//! with its files, and `DELETE /v2/data-units/{id}/` (v1 has no deletion).

use crate::backend::{BackendClient, BackendError};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A unit to create, as the SDK's `DataUnitCreateRequest` (`extra='forbid'`: these fields only).
///
/// ```
/// use synapse::backend::{DataUnitCreate, FileRef};
/// let unit = DataUnitCreate::new(3).file("image_1", FileRef::new("a9993e36…", "image_1/cat.png"));
/// assert_eq!(
///     serde_json::to_value(&unit).unwrap(),
///     serde_json::json!({"data_collection": 3, "files": {"image_1": {"checksum": "a9993e36…", "path": "image_1/cat.png"}}})
/// );
/// ```
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct DataUnitCreate {
    /// The collection it belongs to.
    pub data_collection: u64,
    /// A data file per specification name, by checksum.
    pub files: BTreeMap<String, FileRef>,
    /// Free-form metadata.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<Value>,
    /// Group names, outermost first (the unit joins the last).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
}

impl DataUnitCreate {
    /// A unit of collection `data_collection`, still without files.
    pub fn new(data_collection: u64) -> Self {
        DataUnitCreate { data_collection, files: BTreeMap::new(), meta: None, groups: None }
    }

    /// The same unit with `file` as its specification `spec`.
    pub fn file(mut self, spec: impl Into<String>, file: FileRef) -> Self {
        self.files.insert(spec.into(), file);
        self
    }
}

/// A data file a unit binds: `{checksum, path}` (the path the file was uploaded from).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct FileRef {
    /// The data file's checksum (SHA-1, as [`crate::backend::DataFile::checksum`]).
    pub checksum: String,
    /// Where it came from.
    pub path: String,
}

impl FileRef {
    /// The file with `checksum` uploaded from `path`.
    pub fn new(checksum: impl Into<String>, path: impl Into<String>) -> Self {
        FileRef { checksum: checksum.into(), path: path.into() }
    }
}

/// A data unit as the backend shows it (unknown fields ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct DataUnit {
    /// Its id.
    pub id: u64,
    /// Its collection.
    #[serde(default)]
    pub data_collection: Option<u64>,
    /// Its metadata.
    #[serde(default)]
    pub meta: Value,
    /// Its files by specification name: each a [`DataUnitFile`] (with `?expand=files`), or only
    /// the data file's id (without).
    #[serde(default)]
    pub files: BTreeMap<String, DataUnitFile>,
}

/// A file of a unit. Every field but the id may be missing: without `?expand=files` the backend
/// gives the data file's id alone.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(remote = "Self", default)]
pub struct DataUnitFile {
    /// The data file's id.
    pub id: Option<u64>,
    /// Its URL.
    pub url: Option<String>,
    /// Its checksum.
    pub checksum: Option<String>,
    /// Its size in bytes.
    pub size: Option<u64>,
    /// The path it was uploaded from.
    pub path: Option<String>,
    /// Its specification's file type.
    pub file_type: Option<super::FileType>,
    /// Whether it is the unit's primary file.
    pub is_primary: bool,
    /// Its original name (whether the real backend sends it is unconfirmed).
    pub file_name_original: Option<String>,
    /// Its file name.
    pub filename: Option<String>,
    /// Its name.
    pub name: Option<String>,
    /// Its specification's name, when the backend names it.
    pub specification: Option<String>,
}

impl DataUnitFile {
    /// Its file name: `file_name_original`, else `filename`, else `name` (the SDK's
    /// `_get_file_name` order).
    pub fn file_name(&self) -> Option<&str> {
        [&self.file_name_original, &self.filename, &self.name].into_iter().flatten().map(String::as_str).next()
    }
}

impl<'de> Deserialize<'de> for DataUnitFile {
    /// The file's object (every field optional), or the data file's id alone.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        // Only read, then turned into a `DataUnitFile` at once: its size does not matter.
        #[allow(clippy::large_enum_variant)]
        enum Repr {
            Id(u64),
            // The derived, field by field reading (`remote = "Self"` above).
            Full(#[serde(with = "DataUnitFile")] DataUnitFile),
        }
        Ok(match Repr::deserialize(deserializer)? {
            Repr::Id(id) => DataUnitFile { id: Some(id), ..DataUnitFile::default() },
            Repr::Full(file) => file,
        })
    }
}

impl BackendClient {
    /// `POST data_units/` with `units` (always a list, as the SDK's bulk path sends them; the
    /// caller makes the batches): the created units, in order. Nothing is sent for none. All or
    /// nothing: a 400 names each refused entry by its index (`[1] files: …`).
    ///
    /// # Errors
    /// As [`BackendError`]. Not idempotent: a lost response is [`BackendError::ResponseLost`],
    /// never sent again (the units may exist).
    pub async fn create_data_units(&self, units: &[DataUnitCreate]) -> Result<Vec<DataUnit>, BackendError> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        self.post("data_units/", units).await
    }

    /// `GET data_units/{id}/?expand=files`.
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 names the unit's path.
    pub async fn get_data_unit(&self, id: u64) -> Result<DataUnit, BackendError> {
        self.get(&format!("data_units/{id}/"), &[("expand", "files")]).await
    }

    /// `DELETE /v2/data-units/{id}/` (API v2, under the same host; its data files stay).
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 carries the v2 envelope's message.
    pub async fn delete_data_unit(&self, id: u64) -> Result<(), BackendError> {
        self.delete::<Value>(&format!("v2/data-units/{id}/")).await.map(drop)
    }
}
