//! Ground truth (API v1): the events of a ground-truth dataset version, paged —
//! `GET sdk/ground_truth_events/` with the query the SDK's dataset download sends
//! (`plugins/actions/dataset/action.py`, `clients/backend/ml.py` `list_ground_truth_events`),
//! or by cursor as its export lists them — and `GET ground_truth_dataset_versions/{id}/`.

use super::{BackendClient, BackendError, FileType};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A split of a ground-truth dataset, as an event's `category` names it. The SDK's dataset
/// download maps its own split names onto these (`train → train`, `valid → validation`,
/// `test → test`).
///
/// ```
/// use synapse::backend::Split;
/// assert_eq!(Split::from_sdk_name("valid"), Some(Split::Validation));
/// assert_eq!(Split::Validation.as_str(), "validation");
/// assert_eq!(serde_json::to_string(&Split::Train).unwrap(), "\"train\"");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    /// `train`.
    Train,
    /// `validation`.
    Validation,
    /// `test`.
    Test,
}

impl Split {
    /// Every split, in the order train, validation, test.
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The name the backend uses (`train`, `validation`, `test`).
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }

    /// The split of one of the SDK's split names (`train`, `valid`, `test`), or of the backend's.
    pub fn from_sdk_name(name: &str) -> Option<Split> {
        match name {
            "train" => Some(Split::Train),
            "valid" | "validation" => Some(Split::Validation),
            "test" => Some(Split::Test),
            _ => None,
        }
    }
}

/// One file of a ground-truth event: `{url, file_type, is_primary, …}`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct EventFile {
    /// Where to download it: an absolute URL (a storage's, or the backend's media), to fetch
    /// with [`BackendClient::download`].
    pub url: String,
    /// Its kind.
    #[serde(default)]
    pub file_type: Option<FileType>,
    /// Whether it is the unit's primary file (the image of an image dataset).
    #[serde(default)]
    pub is_primary: bool,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A ground-truth event: one annotated data unit of a dataset version, as
/// `sdk/ground_truth_events/` lists it (the SDK's test fixture and dataset download read the same
/// shape).
///
/// ```
/// use synapse::backend::{GroundTruthEvent, Split};
/// let event: GroundTruthEvent = serde_json::from_value(serde_json::json!({
///     "id": 34673, "category": "train",
///     "files": {"image_1": {"url": "https://files.example/a.jpg", "file_type": "image", "is_primary": true},
///               "data_meta_1": {"url": "https://files.example/a.json", "file_type": "data"}},
///     "data": {"annotations": {}, "annotationsData": {}}
/// })).unwrap();
/// assert_eq!(event.category, Some(Split::Train));
/// assert_eq!(event.primary_file().map(|(name, _)| name), Some("image_1"));
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GroundTruthEvent {
    /// Its id.
    pub id: u64,
    /// Its split, when it has one.
    #[serde(default)]
    pub category: Option<Split>,
    /// Its files, keyed by spec name (`image_1`, `data_meta_1`).
    #[serde(default)]
    pub files: BTreeMap<String, EventFile>,
    /// Its annotations as the backend keeps them (DM v1 `{annotations, annotationsData, …}`, or
    /// `{images: […]}`, or `{}`).
    #[serde(default)]
    pub data: Value,
}

impl GroundTruthEvent {
    /// The primary file and its spec name: the one marked `is_primary`, else the first
    /// `image` file.
    pub fn primary_file(&self) -> Option<(&str, &EventFile)> {
        self.files
            .iter()
            .find(|(_, file)| file.is_primary)
            .or_else(|| self.files.iter().find(|(_, file)| file.file_type == Some(FileType::Image)))
            .map(|(name, file)| (name.as_str(), file))
    }
}

/// A ground-truth dataset version, as `GET ground_truth_dataset_versions/{id}/` returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GroundTruthDatasetVersion {
    /// Its id.
    pub id: u64,
    /// Its dataset's id.
    #[serde(default)]
    pub ground_truth_dataset: Option<u64>,
    /// Its name.
    #[serde(default)]
    pub name: Option<String>,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The query of a ground-truth events listing: the version, the fields the SDK's download asks
/// for, the category when given, `extra` pairs, then the page size (at least 1).
fn events_query(
    version: u64,
    category: Option<Split>,
    page_size: usize,
    extra: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut query = vec![("ground_truth_dataset_versions", version.to_string())];
    query.extend(
        [("fields", "category"), ("fields", "files"), ("fields", "data"), ("expand", "data")]
            .map(|(k, v)| (k, v.to_owned())),
    );
    if let Some(category) = category {
        query.push(("category", category.as_str().to_owned()));
    }
    query.extend(extra.iter().map(|(key, value)| (*key, (*value).to_owned())));
    query.push(("page_size", page_size.max(1).to_string()));
    query
}

impl BackendClient {
    /// Every event of ground-truth dataset version `version` (of `category` only, when given),
    /// page after page: `GET sdk/ground_truth_events/?ground_truth_dataset_versions=<id>
    /// &fields=category&fields=files&fields=data&expand=data&page_size=100[&category=…]`, the
    /// SDK's dataset download's query.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// use futures_util::TryStreamExt;
    /// use synapse::backend::Split;
    /// let train: Vec<_> = client.list_ground_truth_events(12, Some(Split::Train)).try_collect().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`BackendClient::list`].
    pub fn list_ground_truth_events(
        &self,
        version: u64,
        category: Option<Split>,
    ) -> impl Stream<Item = Result<GroundTruthEvent, BackendError>> + Send + use<> {
        self.list_ground_truth_events_in_pages_of(version, category, super::PAGE_SIZE)
    }

    /// [`list_ground_truth_events`](Self::list_ground_truth_events) with pages of `page_size`
    /// events (the backend caps it; the SDK's `list_ground_truth_events(page_size=…)`).
    ///
    /// # Errors
    /// As [`BackendClient::list`].
    pub fn list_ground_truth_events_in_pages_of(
        &self,
        version: u64,
        category: Option<Split>,
        page_size: usize,
    ) -> impl Stream<Item = Result<GroundTruthEvent, BackendError>> + Send + use<> {
        let query = events_query(version, category, page_size, &[]);
        let query: Vec<(&str, &str)> = query.iter().map(|(key, value)| (*key, value.as_str())).collect();
        self.list("sdk/ground_truth_events/", &query)
    }

    /// Every event of ground-truth dataset version `version` (of `category` only, when given),
    /// oldest first, by cursor pages of `page_size` events (the backend caps it at 1000): the
    /// query of [`list_ground_truth_events`](Self::list_ground_truth_events) with
    /// `pagination=cursor&ordering=pgh_id`, the opt-in of the SDK's ground-truth export
    /// (`plugins/actions/export/handlers.py` `GroundTruthExportTargetHandler`:
    /// `EXPORT_PAGINATION = 'cursor'` on the unique `pgh_id`, which it sends newest first).
    /// Each page starts where the last ended, so no page re-reads the ones before it, and no
    /// page counts the listing; a backend without the opt-in answers with page numbers, whose
    /// `next` links are followed the same way.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// use futures_util::TryStreamExt;
    /// let events: Vec<_> = client.list_ground_truth_events_by_cursor(12, None, 1000).try_collect().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`BackendClient::list`]; a cursor the backend refuses is a 404 (`Invalid cursor`).
    pub fn list_ground_truth_events_by_cursor(
        &self,
        version: u64,
        category: Option<Split>,
        page_size: usize,
    ) -> impl Stream<Item = Result<GroundTruthEvent, BackendError>> + Send + use<> {
        let query = events_query(version, category, page_size, &[("pagination", "cursor"), ("ordering", "pgh_id")]);
        let query: Vec<(&str, &str)> = query.iter().map(|(key, value)| (*key, value.as_str())).collect();
        self.list("sdk/ground_truth_events/", &query)
    }

    /// `GET ground_truth_dataset_versions/{id}/`.
    ///
    /// # Errors
    /// As [`BackendError`]; a missing version is a 404 naming its path.
    pub async fn get_ground_truth_dataset_version(&self, id: u64) -> Result<GroundTruthDatasetVersion, BackendError> {
        self.get(&format!("ground_truth_dataset_versions/{id}/"), &[]).await
    }
}
