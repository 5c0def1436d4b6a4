//! Data collections: `GET data_collections/{id}/?expand=file_specifications`, a collection with
//! the file specifications its units fill (`DataCollectionFileSpecificationV2`).

use crate::backend::{BackendClient, BackendError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A data collection, with its file specifications (fields the client does not know are
/// ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct DataCollection {
    /// Its id.
    pub id: u64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// What each unit of it holds, one specification per named file.
    #[serde(default)]
    pub file_specifications: Vec<FileSpecification>,
}

impl DataCollection {
    /// The specification named `name` (`image_1`).
    pub fn specification(&self, name: &str) -> Option<&FileSpecification> {
        self.file_specifications.iter().find(|spec| spec.name == name)
    }

    /// The primary specification (a collection has one).
    pub fn primary(&self) -> Option<&FileSpecification> {
        self.file_specifications.iter().find(|spec| spec.is_primary)
    }
}

/// One file a collection's units hold: named `{spec_key}_{index}` (`image_1`, `data_meta_1`).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct FileSpecification {
    /// Its id.
    pub id: u64,
    /// Its name, the key of a unit's `files`.
    pub name: String,
    /// What kind of file.
    pub file_type: FileType,
    /// Whether every unit must have it.
    #[serde(default)]
    pub is_required: bool,
    /// Whether it is the unit's primary file.
    #[serde(default)]
    pub is_primary: bool,
    /// Its role.
    #[serde(default = "FunctionType::main")]
    pub function_type: FunctionType,
    /// Its index among the specifications of its kind.
    #[serde(default)]
    pub index: i64,
    /// Free-form settings.
    #[serde(default)]
    pub configuration: Value,
    /// Whether it is a sequence of files.
    #[serde(default)]
    pub is_sequential: bool,
}

/// A specification's kind of file; one the client does not know is kept as [`FileType::Other`].
///
/// ```
/// use synapse::backend::FileType;
/// let kinds: Vec<FileType> = serde_json::from_str(r#"["image", "pcd", "hologram"]"#).unwrap();
/// assert_eq!(kinds, [FileType::Image, FileType::Pcd, FileType::Other("hologram".into())]);
/// assert_eq!(serde_json::to_string(&kinds[2]).unwrap(), r#""hologram""#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FileType {
    /// `image`.
    Image,
    /// `video`.
    Video,
    /// `audio`.
    Audio,
    /// `text`.
    Text,
    /// `pcd` (point clouds).
    Pcd,
    /// `data` (JSON and other data, e.g. `data_meta_1`).
    Data,
    /// Another kind, as the backend spells it.
    Other(String),
}

impl From<String> for FileType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "image" => FileType::Image,
            "video" => FileType::Video,
            "audio" => FileType::Audio,
            "text" => FileType::Text,
            "pcd" => FileType::Pcd,
            "data" => FileType::Data,
            _ => FileType::Other(text),
        }
    }
}

impl From<FileType> for String {
    fn from(kind: FileType) -> Self {
        match kind {
            FileType::Image => "image".to_owned(),
            FileType::Video => "video".to_owned(),
            FileType::Audio => "audio".to_owned(),
            FileType::Text => "text".to_owned(),
            FileType::Pcd => "pcd".to_owned(),
            FileType::Data => "data".to_owned(),
            FileType::Other(text) => text,
        }
    }
}

/// A specification's role: `main`, `sub` or `meta`; another is kept as [`FunctionType::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum FunctionType {
    /// `main`.
    Main,
    /// `sub`.
    Sub,
    /// `meta`.
    Meta,
    /// Another role, as the backend spells it.
    Other(String),
}

impl FunctionType {
    fn main() -> Self {
        FunctionType::Main
    }
}

impl From<String> for FunctionType {
    fn from(text: String) -> Self {
        match text.as_str() {
            "main" => FunctionType::Main,
            "sub" => FunctionType::Sub,
            "meta" => FunctionType::Meta,
            _ => FunctionType::Other(text),
        }
    }
}

impl From<FunctionType> for String {
    fn from(role: FunctionType) -> Self {
        match role {
            FunctionType::Main => "main".to_owned(),
            FunctionType::Sub => "sub".to_owned(),
            FunctionType::Meta => "meta".to_owned(),
            FunctionType::Other(text) => text,
        }
    }
}

impl BackendClient {
    /// `GET data_collections/{id}/?expand=file_specifications`, as the SDK's
    /// `get_data_collection`.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// let collection = client.get_data_collection(3).await?;
    /// let primary = collection.primary().map(|spec| spec.name.as_str());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 names the collection's path.
    pub async fn get_data_collection(&self, id: u64) -> Result<DataCollection, BackendError> {
        self.get(&format!("data_collections/{id}/"), &[("expand", "file_specifications")]).await
    }
}
