//! What the export workflow's steps share ([`ExportState`]) and what an export returns
//! ([`ExportResult`], the SDK's `ExportResult` with its counts).

use super::{ExportDir, ExportItem, ExportParams, ItemFailure, MetricsRecord};
use crate::backend::BackendClient;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// How many items are saved at once unless `extra_params.export_download_workers` says
/// otherwise (the SDK's `DEFAULT_DOWNLOAD_WORKERS` knob, by the same name).
pub const DEFAULT_WORKERS: usize = 8;

/// The state the export workflow's steps share: the params, and what each step produced. A
/// step an author inserts ([`Exporter::steps`](super::Exporter::steps)) works on it too.
#[derive(Debug)]
pub struct ExportState {
    /// The params.
    pub params: ExportParams,
    /// The backend client (from the run's context).
    pub client: BackendClient,
    /// The export's directory, once `initialize` made it.
    pub dir: Option<Arc<ExportDir>>,
    /// The items `fetch_results` listed, in the listing's order (`convert_data` replaces each
    /// with its conversion).
    pub items: Vec<ExportItem>,
    /// How many items `fetch_results` listed.
    pub total_count: u64,
    /// The project the items are of (the filter's `project`; for ground truth none is known).
    pub project_id: Option<u64>,
    /// The project's configuration (its classes), read by `prepare_export`; `null` without one.
    pub configuration: Value,
    /// What the exporter is told besides the items (`name`, `count`, `save_original_file`,
    /// `configuration` and the params' `extra_params`), as the SDK's `export_params`.
    pub export_params: serde_json::Map<String, Value>,
    /// The items that failed, in item order.
    pub failures: Vec<ItemFailure>,
    /// The ids of the items whose conversion failed (they are not saved).
    pub not_converted: Vec<u64>,
    /// The counts of original files (`original_file`).
    pub original_metrics: MetricsRecord,
    /// The counts of data files (`data_file`).
    pub data_metrics: MetricsRecord,
    /// The items whose name another item had first: `{item id: the stem used instead}`.
    pub collisions: BTreeMap<u64, String>,
    /// The error list's key, when `finalize` wrote one.
    pub error_list: Option<String>,
    /// How many items are saved at once.
    pub workers: usize,
    /// A local directory for the items' downloads too large to hold in memory, removed with
    /// the run.
    pub scratch: PathBuf,
}

impl ExportState {
    pub(crate) fn new(params: ExportParams, client: BackendClient, scratch: PathBuf) -> Self {
        let workers = params
            .extra_params
            .as_ref()
            .and_then(|extra| extra.get("export_download_workers"))
            .and_then(Value::as_u64)
            .filter(|workers| *workers >= 1)
            .map_or(DEFAULT_WORKERS, |workers| workers.min(256) as usize);
        ExportState {
            params,
            client,
            dir: None,
            items: Vec::new(),
            total_count: 0,
            project_id: None,
            configuration: Value::Null,
            export_params: serde_json::Map::new(),
            failures: Vec::new(),
            not_converted: Vec::new(),
            original_metrics: MetricsRecord::default(),
            data_metrics: MetricsRecord::default(),
            collisions: BTreeMap::new(),
            error_list: None,
            workers,
            scratch,
        }
    }

    /// The items exported: those whose data file was saved.
    pub fn exported_count(&self) -> u64 {
        self.data_metrics.success
    }

    /// The items not exported: those whose conversion or data file failed.
    pub fn failed_count(&self) -> u64 {
        self.data_metrics.failed
    }

    /// The action's result.
    pub fn result(&self) -> ExportResult {
        ExportResult {
            output_path: self.dir.as_ref().map(|dir| dir.location()).unwrap_or_default(),
            storage_key: self.dir.as_ref().map(|dir| dir.prefix().to_owned()).unwrap_or_default(),
            exported_count: self.exported_count(),
            failed_count: self.failed_count(),
            total_count: self.total_count,
            original_files: self.original_metrics,
            filename_collisions: self.collisions.len() as u64,
            error_list: self.error_list.clone(),
            failures: self.failures.clone(),
        }
    }
}

/// What an export returns: the SDK's `ExportResult` (`output_path`, `exported_count`,
/// `failed_count`, `total_count`) with the original files' counts and every failure.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct ExportResult {
    /// The export's directory: its path on a local file system, else its URL (`s3://bucket/exports/gt-1a2b3c4d`)
    pub output_path: String,
    /// Its key in the storage (`exports/gt-1a2b3c4d`)
    pub storage_key: String,
    /// The items exported (their data file saved)
    pub exported_count: u64,
    /// The items not exported (their conversion or data file failed)
    pub failed_count: u64,
    /// The items listed
    pub total_count: u64,
    /// The original files saved, failed, and not handled
    pub original_files: MetricsRecord,
    /// The items saved under another name than their own, because another item had it first
    pub filename_collisions: u64,
    /// The error list's key in the storage, when a file failed
    pub error_list: Option<String>,
    /// Every item that failed, with its file and the reason, in item order
    pub failures: Vec<ItemFailure>,
}
