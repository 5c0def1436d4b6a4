//! The params of a dataset action, as the SDK's `DatasetParams` names them
//! (`plugins/actions/dataset/action.py`): [`DatasetParams`], [`DatasetOperation`].

use super::{DatasetError, DownloadRequest};
use crate::backend::Split;

/// What a dataset action does.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DatasetOperation {
    /// Download a ground-truth dataset version (`dataset`), then convert it when
    /// `target_format` is given.
    #[default]
    Download,
    /// Convert the dataset at `path` (of `source_format`) to `target_format`.
    Convert,
}

/// The params of a dataset action: the SDK's `DatasetParams`, with `concurrency` added.
///
/// ```
/// use synapse::dataset::{DatasetOperation, DatasetParams};
/// use synapse::params::Params;
/// let params = DatasetParams::parse(serde_json::json!({"dataset": 12, "splits": ["train", "valid"]})).unwrap();
/// assert_eq!((params.operation, params.dataset, params.concurrency), (DatasetOperation::Download, Some(12), 8));
/// assert_eq!((params.source_format.as_str(), params.target_format), ("dm_v2", None));
/// ```
#[crate::params(crate = crate)]
#[derive(Debug, Clone)]
#[schemars(
    description = "Download a ground-truth dataset version (converted when a target format is given), or convert a dataset."
)]
pub struct DatasetParams {
    /// `download` a dataset version (then convert it when `target_format` is given), or `convert` the dataset at `path`
    #[param(default)]
    pub operation: DatasetOperation,
    /// The ground-truth dataset version to download
    #[param(default)]
    pub dataset: Option<u64>,
    /// The splits to download, each its own directory (`train`, `valid`, `test`); none: every event in one directory
    #[param(default)]
    pub splits: Vec<String>,
    /// The dataset to convert (`convert`)
    #[param(default)]
    pub path: Option<String>,
    /// The format of the dataset to convert
    #[param(default = "dm_v2")]
    pub source_format: String,
    /// The format to convert to: `yolo`, `coco`, `pascal`, or a format a plugin registered a converter for
    #[param(default)]
    pub target_format: Option<String>,
    /// Where to write the dataset (or its conversion) instead of the cache
    #[param(default)]
    pub output_dir: Option<String>,
    /// How many files are downloaded at once
    #[param(default = 8, range(min = 1, max = 256))]
    pub concurrency: u64,
}

impl DatasetParams {
    /// Params that download `version`, every other param at its default.
    pub fn download(version: u64) -> Self {
        DatasetParams {
            operation: DatasetOperation::Download,
            dataset: Some(version),
            splits: Vec::new(),
            path: None,
            source_format: "dm_v2".to_owned(),
            target_format: None,
            output_dir: None,
            concurrency: super::DEFAULT_CONCURRENCY as u64,
        }
    }

    /// The download these params ask for (the cache: [`default_cache_dir`](super::default_cache_dir)).
    /// With a `target_format`, `output_dir` is where the conversion goes, and the download is
    /// cached.
    ///
    /// # Errors
    /// [`DatasetError::Params`] without `dataset`; [`DatasetError::UnknownSplit`] for a split
    /// other than `train`, `valid` (or `validation`) and `test`.
    pub fn request(&self) -> Result<DownloadRequest, DatasetError> {
        let version = self.dataset.ok_or_else(|| DatasetError::Params {
            reason: "`dataset` is required to download: the ground-truth dataset version's id".to_owned(),
        })?;
        let splits = self
            .splits
            .iter()
            .map(|name| Split::from_sdk_name(name).ok_or_else(|| DatasetError::UnknownSplit { name: name.clone() }))
            .collect::<Result<Vec<_>, _>>()?;
        let mut request = DownloadRequest::new(version).splits(splits).concurrency(self.concurrency as usize);
        if let (Some(dir), None) = (&self.output_dir, &self.target_format) {
            request = request.output_dir(dir);
        }
        Ok(request)
    }
}
