//! The params of an upload, as the platform sends them (the SDK's `UploadParams` and
//! `AssetConfig`, `plugins/actions/upload/models.py`): [`UploadParams`], [`AssetConfig`].

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// One specification's own folder, in multi-path mode (`use_single_path: false`): the SDK's
/// `AssetConfig`.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetConfig {
    /// The folder this specification's files are found in, relative to the storage's root
    pub path: String,
    /// Whether the folder's subfolders are searched too
    #[param(default = true)]
    pub is_recursive: bool,
}

/// The params of an upload action: the SDK's `UploadParams`, field for field, as the platform
/// sends them.
///
/// What needs no backend is checked with the params (ranges, a non-blank `name`); whether the
/// storage, the data collection and the project exist is checked by the workflow's
/// `initialize` and `analyze_collection` steps, each refusal an
/// [`UploadError`](super::UploadError) naming the id. `use_single_path` without `path`, or
/// multi-path mode without `assets`, is refused by `initialize`
/// ([`UploadError::NoPath`](super::UploadError::NoPath)).
///
/// `path` and `assets.<spec>.path` are folders inside the storage, as the SDK reads them: with a
/// `file_system` storage, relative to its `location` (a leading `/` is the storage's root); with
/// an object store, folders on this machine ([`folder_in_storage`](super::folder_in_storage)).
///
/// ```
/// use synapse::params::Params;
/// use synapse::upload::UploadParams;
/// let params = UploadParams::parse(serde_json::json!({
///     "name": "pets", "path": "/data/pets", "storage": 1, "data_collection": 3,
/// })).unwrap();
/// assert!(params.use_single_path && params.is_recursive);
/// assert_eq!((params.max_file_size_mb, params.creating_data_unit_batch_size), (50, 200));
/// assert_eq!((params.upload_max_workers, params.upload_max_retries), (10, 2));
///
/// let blank = UploadParams::parse(serde_json::json!({"name": " ", "path": "/d", "storage": 1, "data_collection": 3}));
/// assert_eq!(blank.unwrap_err().iter().next().unwrap().path, "$.name");
/// ```
#[crate::params(crate = crate)]
#[derive(Debug, Clone)]
#[schemars(description = "Upload a local folder (or a folder per file specification) into a data collection.")]
pub struct UploadParams {
    /// The upload's name (not blank)
    #[param(pattern = "\\S")]
    pub name: String,
    /// What the upload is
    #[param(default)]
    pub description: Option<String>,
    /// One folder holding a subfolder per file specification (`<path>/<spec name>/`); false: a folder per specification in `assets`
    #[param(default = true)]
    pub use_single_path: bool,
    /// The folder of a single-path upload, relative to the storage's root
    #[param(default)]
    pub path: Option<String>,
    /// Whether subfolders are searched too (single-path mode)
    #[param(default = true)]
    pub is_recursive: bool,
    /// A folder per file specification name (multi-path mode)
    #[param(default)]
    pub assets: Option<BTreeMap<String, AssetConfig>>,
    /// The storage the files go to
    pub storage: u64,
    /// The data collection the data units join
    pub data_collection: u64,
    /// The project the upload is for
    #[param(default)]
    pub project: Option<u64>,
    /// A metadata file (CSV, or Excel `.xlsx`/`.xls`): a row per file, its first column the file name; absolute, or relative to the upload's folder
    #[param(default)]
    pub excel_metadata_path: Option<String>,
    /// Files above this many MiB are uploaded in chunks (at most 50 MiB go in one request)
    #[param(default = 50, range(min = 1, max = 102400))]
    pub max_file_size_mb: u64,
    /// Data units created per request
    #[param(default = 200, range(min = 1, max = 10000))]
    pub creating_data_unit_batch_size: u64,
    /// Data unit requests in flight at once
    #[param(default = 1, range(min = 1, max = 64))]
    pub creating_data_unit_max_workers: u64,
    /// Files uploaded at once
    #[param(default = 10, range(min = 1, max = 256))]
    pub upload_max_workers: u64,
    /// Files per presigned upload request
    #[param(default = 200, range(min = 1, max = 10000))]
    pub upload_batch_size: u64,
    /// Accepted as the platform sends it; uploads run in this process
    #[param(default = 1, range(min = 1, max = 1024))]
    pub upload_ray_workers: u64,
    /// More tries of a file whose upload failed for a passing reason (and of a data unit request)
    #[param(default = 2, range(min = 0, max = 10))]
    pub upload_max_retries: u64,
    /// Accepted as the platform sends it; uploads are always concurrent
    #[param(default = true)]
    pub use_async_upload: bool,
    /// The group the run's data units join
    #[param(default)]
    pub group_name: Option<String>,
    /// Free-form settings of the platform's upload form (its `group_name` wins over the field's)
    #[param(default)]
    pub extra_params: Option<Map<String, Value>>,
}

impl UploadParams {
    /// Params uploading the folder `path` into collection `data_collection` through
    /// `storage`, every other param at its default.
    pub fn new(name: impl Into<String>, path: impl Into<String>, storage: u64, data_collection: u64) -> Self {
        UploadParams {
            name: name.into(),
            description: None,
            use_single_path: true,
            path: Some(path.into()),
            is_recursive: true,
            assets: None,
            storage,
            data_collection,
            project: None,
            excel_metadata_path: None,
            max_file_size_mb: 50,
            creating_data_unit_batch_size: 200,
            creating_data_unit_max_workers: 1,
            upload_max_workers: 10,
            upload_batch_size: 200,
            upload_ray_workers: 1,
            upload_max_retries: 2,
            use_async_upload: true,
            group_name: None,
            extra_params: None,
        }
    }

    /// The group the units join: `extra_params.group_name`, else `group_name` (as the SDK
    /// reads them); blank is none.
    pub fn group(&self) -> Option<String> {
        let extra = self.extra_params.as_ref().and_then(|extra| extra.get("group_name")).and_then(Value::as_str);
        extra.or(self.group_name.as_deref()).map(str::trim).filter(|name| !name.is_empty()).map(str::to_owned)
    }

    /// The size above which a file is uploaded in chunks, in bytes: `max_file_size_mb` MiB,
    /// at most [`CHUNKED_UPLOAD_THRESHOLD`](crate::backend::CHUNKED_UPLOAD_THRESHOLD).
    pub fn chunked_threshold(&self) -> u64 {
        (self.max_file_size_mb.saturating_mul(1024 * 1024)).min(crate::backend::CHUNKED_UPLOAD_THRESHOLD)
    }
}
