//! A dataset action's run: [`run_dataset`] does what [`DatasetParams`] ask with the run's
//! backend client, reporting to its context, and answers a [`DatasetResult`] (the SDK's
//! `DatasetResult`); [`download_for`] only downloads.

use super::{
    ConvertedDataset, DatasetCache, DatasetError, DatasetOperation, DatasetParams, DownloadedDataset, convert_dataset,
    download,
};
use crate::context::Context;
use crate::dataset::DatasetMessage;
use crate::formats::ConvertOptions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What a dataset action produced: the SDK's `DatasetResult` (`path`, `format`, `config_path`,
/// `source_path`, `data_path`) with the counts.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetResult {
    /// The dataset's directory (the downloaded DM v2 dataset, or its conversion)
    pub path: String,
    /// Its format: `dm_v2`, or the target format
    pub format: String,
    /// The file a trainer opens, when the format has one (`dataset.yaml` for YOLO)
    pub config_path: Option<String>,
    /// What a trainer opens: `config_path` when there is one, else `path`
    pub data_path: String,
    /// The dataset it was converted from
    pub source_path: Option<String>,
    /// The images it holds
    pub images: u64,
    /// The images of each split, by the split's directory name
    pub images_by_split: BTreeMap<String, u64>,
    /// The events left out of the download (missing or corrupt images), each reported as a warning
    pub skipped: u64,
    /// The boxes clipped to their image by the conversion
    pub boxes_clipped: u64,
    /// The boxes the conversion dropped (no area, or of a class outside the class list), each reported
    pub boxes_dropped: u64,
    /// Whether nothing was downloaded (or converted): it was in the cache
    pub from_cache: bool,
}

impl DatasetResult {
    /// The result of a download, not converted.
    pub fn downloaded(dataset: &DownloadedDataset) -> Self {
        DatasetResult {
            path: display(&dataset.path),
            format: "dm_v2".to_owned(),
            config_path: None,
            data_path: display(&dataset.path),
            source_path: None,
            images: dataset.images(),
            images_by_split: dataset.splits.iter().map(|(name, counts)| (name.clone(), counts.images)).collect(),
            skipped: dataset.skipped.len() as u64,
            boxes_clipped: 0,
            boxes_dropped: 0,
            from_cache: dataset.from_cache,
        }
    }

    /// This result, converted to `converted` (from the dataset this result names).
    pub fn converted(mut self, converted: &ConvertedDataset) -> Self {
        self.source_path = Some(std::mem::replace(&mut self.path, display(&converted.path)));
        self.format.clone_from(&converted.format);
        self.config_path = converted.config_path.as_deref().map(display);
        self.data_path = display(converted.data_path());
        self.boxes_clipped = converted.report.boxes_clipped as u64;
        self.boxes_dropped = (converted.report.degenerate_dropped + converted.report.unknown_classes) as u64;
        self.from_cache &= converted.from_cache;
        self
    }
}

fn display(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The variable `name` of the run's environment (its `--env-file`, the executor's), else of
/// the process.
pub(crate) fn run_var(ctx: &Context, name: &str) -> Option<std::ffi::OsString> {
    if ctx.env().contains(name) {
        return ctx.env().get_str(name, "").ok().map(std::ffi::OsString::from);
    }
    std::env::var_os(name)
}

/// A cache directory as the run's environment places it: `env`'s value, else under
/// `$XDG_CACHE_HOME/synapse/<leaf>` or `$HOME/.cache/synapse/<leaf>` (the rule of
/// [`default_cache_dir`](super::default_cache_dir)), each read from the run's environment first.
pub(crate) fn run_cache_dir(ctx: &Context, env: &str, leaf: &str) -> Option<PathBuf> {
    crate::cache_dir::user_cache_dir_in(env, leaf, |name| run_var(ctx, name))
}

/// Downloads what `params` ask for with the run's backend client ([`Context::client`]),
/// reporting progress per phase, skips and a cache hit to `ctx` (see [`Observer`](super::Observer)
/// for [`Context`]); into `cache` when given, else into the cache the run's environment places
/// (`SYNAPSE_DATASET_CACHE`, see [`default_cache_dir`](super::default_cache_dir)).
///
/// # Errors
/// [`DatasetError::NoBackend`] when the run has no backend; else as [`DatasetParams::request`]
/// and [`download`].
pub async fn download_for(
    ctx: &Context,
    params: &DatasetParams,
    cache: Option<DatasetCache>,
) -> Result<DownloadedDataset, DatasetError> {
    let mut request = params.request()?;
    let client = ctx.client().map_err(|error| DatasetError::NoBackend { reason: error.to_string() })?;
    request.cache = cache.or_else(|| run_cache_dir(ctx, super::CACHE_ENV, "datasets").map(DatasetCache::new));
    if request.cache.is_none() && request.output_dir.is_none() {
        return Err(DatasetError::NoCacheDir);
    }
    download(client, &request, ctx).await
}

/// Converts the dataset at `source` as [`convert_dataset`] does, on a blocking thread,
/// reporting the boxes it clipped and dropped to `ctx`: a `dataset_converted` event with the
/// counts, and a warning naming each dropped box (the first 20, then how many more).
///
/// # Errors
/// As [`convert_dataset`].
pub async fn convert_for(
    ctx: &Context,
    source: &Path,
    source_format: &str,
    target: &str,
    output_dir: Option<PathBuf>,
    options: ConvertOptions,
) -> Result<ConvertedDataset, DatasetError> {
    let (from, source_format, target) = (source.to_owned(), source_format.to_owned(), target.to_owned());
    ctx.log("convert_start", serde_json::json!({ "path": from, "from": source_format, "to": target }));
    let converted = ctx
        .spawn_blocking(move || convert_dataset(&from, &source_format, &target, output_dir.as_deref(), &options))
        .await
        .map_err(|error| DatasetError::io(source, "converted", error))??;
    let report = &converted.report;
    ctx.log(
        "dataset_converted",
        serde_json::json!({
            "path": converted.path, "format": converted.format, "images": report.images,
            "boxes_written": report.boxes_written, "boxes_clipped": report.boxes_clipped,
            "degenerate_dropped": report.degenerate_dropped, "unknown_classes": report.unknown_classes,
            "from_cache": converted.from_cache,
        }),
    );
    const SHOWN: usize = 20;
    for skip in report.skipped.iter().take(SHOWN) {
        ctx.logger().warn(format!("box dropped: {skip}"));
    }
    if report.skipped.len() > SHOWN {
        ctx.logger().warn(format!("{} more boxes dropped", report.skipped.len() - SHOWN));
    }
    if report.boxes_clipped > 0 || !report.skipped.is_empty() {
        ctx.log_message_code(&DatasetMessage::ConvertedWithLoss {
            format: converted.format.to_string(),
            report: report.to_string(),
        });
    }
    Ok(converted)
}

/// Runs a dataset action: downloads (`operation: download`, then converts when
/// `target_format` is given) or converts the dataset at `path` (`operation: convert`), with the
/// run's backend client and the default cache.
///
/// ```no_run
/// use synapse::dataset::{DatasetParams, DatasetResult, run_dataset};
/// use synapse::prelude::*;
/// use synapse::types::YoloDataset;
///
/// /// Downloads a ground-truth dataset version and converts it to YOLO.
/// #[action(name = "dataset", category = NeuralNet, output_type = YoloDataset)]
/// pub struct Dataset;
///
/// impl Action for Dataset {
///     type Params = DatasetParams;
///     type Output = DatasetResult;
///
///     async fn execute(&self, params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
///         Ok(run_dataset(ctx, &params).await?)
///     }
/// }
/// ```
///
/// # Errors
/// [`DatasetError`]: [`DatasetError::Params`] for `convert` without `path` or `target_format`;
/// else as [`download_for`] and [`convert_dataset`].
pub async fn run_dataset(ctx: &Context, params: &DatasetParams) -> Result<DatasetResult, DatasetError> {
    let output_dir = params.output_dir.as_ref().map(PathBuf::from);
    match params.operation {
        DatasetOperation::Download => {
            let dataset = download_for(ctx, params, None).await?;
            let result = DatasetResult::downloaded(&dataset);
            let Some(target) = &params.target_format else { return Ok(result) };
            let converted =
                convert_for(ctx, &dataset.path, "dm_v2", target, output_dir, ConvertOptions::default()).await?;
            Ok(result.converted(&converted))
        }
        DatasetOperation::Convert => {
            let path = params.path.as_ref().ok_or_else(|| DatasetError::Params {
                reason: "`path` is required to convert: the dataset's directory".to_owned(),
            })?;
            let target = params.target_format.as_ref().ok_or_else(|| DatasetError::Params {
                reason: "`target_format` is required to convert: yolo, coco, pascal, or a registered format".to_owned(),
            })?;
            let converted =
                convert_for(ctx, Path::new(path), &params.source_format, target, output_dir, ConvertOptions::default())
                    .await?;
            let source = DatasetResult {
                path: path.clone(),
                format: params.source_format.clone(),
                config_path: None,
                data_path: path.clone(),
                source_path: None,
                images: converted.report.images as u64,
                images_by_split: BTreeMap::new(),
                skipped: 0,
                boxes_clipped: 0,
                boxes_dropped: 0,
                from_cache: true,
            };
            Ok(source.converted(&converted))
        }
    }
}
