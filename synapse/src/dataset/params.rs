//! A dataset download as an action runs it: [`DatasetParams`] (the download fields of the SDK's
//! `DatasetParams`) and [`download_for`], which downloads with the action's backend client and
//! reports to its context.

use super::{DatasetCache, DatasetError, DownloadRequest, DownloadedDataset, download};
use crate::backend::Split;
use crate::context::Context;

/// The params of a dataset download, as the SDK's `DatasetParams` names them for its `download`
/// operation.
///
/// ```
/// use synapse::dataset::DatasetParams;
/// use synapse::params::Params;
/// let params = DatasetParams::parse(serde_json::json!({"dataset": 12, "splits": ["train", "valid"]})).unwrap();
/// assert_eq!((params.dataset, params.concurrency, params.output_dir), (12, 8, None));
/// ```
#[crate::params]
#[derive(Debug, Clone)]
pub struct DatasetParams {
    /// The ground-truth dataset version to download
    pub dataset: u64,
    /// The splits to download, each its own directory (`train`, `valid`, `test`); none: every event in one directory
    #[param(default)]
    pub splits: Vec<String>,
    /// Where to write the dataset instead of the dataset cache
    #[param(default)]
    pub output_dir: Option<String>,
    /// How many files are downloaded at once
    #[param(default = 8, range(min = 1, max = 256))]
    pub concurrency: u64,
}

impl DatasetParams {
    /// The download these params ask for (the cache: [`default_cache_dir`](super::default_cache_dir)).
    ///
    /// # Errors
    /// [`DatasetError::UnknownSplit`] for a split other than `train`, `valid` (or `validation`)
    /// and `test`.
    pub fn request(&self) -> Result<DownloadRequest, DatasetError> {
        let splits = self
            .splits
            .iter()
            .map(|name| Split::from_sdk_name(name).ok_or_else(|| DatasetError::UnknownSplit { name: name.clone() }))
            .collect::<Result<Vec<_>, _>>()?;
        let mut request = DownloadRequest::new(self.dataset).splits(splits).concurrency(self.concurrency as usize);
        if let Some(dir) = &self.output_dir {
            request = request.output_dir(dir);
        }
        Ok(request)
    }
}

/// Downloads what `params` ask for with the run's backend client ([`Context::client`]),
/// reporting progress per phase, skips and a cache hit to `ctx` (see [`Observer`](super::Observer)
/// for [`Context`]); `cache` instead of the default one when given.
///
/// ```no_run
/// use synapse::dataset::{DatasetParams, download_for};
/// use synapse::prelude::*;
///
/// /// Where the dataset is.
/// #[output]
/// #[derive(Debug, Clone)]
/// pub struct Fetched {
///     /// Its directory.
///     pub path: String,
///     /// Its images.
///     pub images: u64,
/// }
///
/// #[action(name = "dataset", category = NeuralNet)]
/// pub struct DatasetAction;
///
/// impl Action for DatasetAction {
///     type Params = DatasetParams;
///     type Output = Fetched;
///
///     async fn execute(&self, params: DatasetParams, ctx: &Context) -> Result<Fetched> {
///         let dataset = download_for(ctx, &params, None).await?;
///         Ok(Fetched { path: dataset.path.display().to_string(), images: dataset.images() })
///     }
/// }
/// ```
///
/// # Errors
/// [`DatasetError::NoBackend`] when the run has no backend; else as [`download`].
pub async fn download_for(
    ctx: &Context,
    params: &DatasetParams,
    cache: Option<DatasetCache>,
) -> Result<DownloadedDataset, DatasetError> {
    let client = ctx.client().map_err(|error| DatasetError::NoBackend { reason: error.to_string() })?;
    let mut request = params.request()?;
    request.cache = cache;
    download(client, &request, ctx).await
}
