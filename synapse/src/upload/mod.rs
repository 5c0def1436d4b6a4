//! The upload workflow: a local folder, or one per file specification, into a data collection
//! (the SDK's `DefaultUploadAction`, `plugins/actions/upload/`).
//!
//! ```text
//! initialize ─▶ process_metadata ─▶ analyze_collection ─▶ organize_files ─▶ validate_files ─▶ upload_files ─▶ generate_data_units ─▶ cleanup
//!    5 %             10 %                 5 %                  15 %              10 %             30 %              20 %               5 %
//! storage,        CSV / Excel         file                 search each       primary, required  SHA-1s, dups,     POST data_units/   import_result
//! project,        rows by file        specifications       spec's folder,    specs; allowed     verify_checksums, in batches,        summary event
//! folder          name                                     group by stem     extensions         presigned or API  retried
//! ```
//!
//! Files are found per specification (single path: `<path>/<spec name>/`; multi-path: the
//! folder `assets` gives each), recursively by default, skipping NAS and system folders
//! ([`EXCLUDED_DIRS`]); a symbolic link back into a folder being searched is reported, not
//! followed. Files sharing a stem across specifications become one data unit. Each file is
//! read once ([`checksum_stream`]: its SHA-1, size and, when small, its bytes, which are sent
//! as they are), concurrently; a group whose primary file repeats an earlier group's
//! content is dropped as a duplicate; content the backend already has
//! (`POST data_files/verify_checksums/`, asked per batch of 1,000 as they are read) is not
//! sent again, and each batch is uploaded while the next is read. Files go through presigned URLs
//! when the storage is an object store, else `POST data_files/` (in chunks above
//! `max_file_size_mb`), `upload_max_workers` at once, each retried `upload_max_retries` times
//! on a passing failure. Units are created `creating_data_unit_batch_size` at a time.
//!
//! Unlike the SDK (whose rollback only forgets what it uploaded), a failed run **deletes what
//! it created**: its data units (`DELETE /v2/data-units/{id}/`), then its data files
//! (`DELETE data_files/{id}/` where the backend has it). Data files the backend does not
//! delete are reported in an `orphaned_data_files` event and in
//! [`UploadError::Workflow::orphaned_data_files`](UploadError::Workflow), never claimed
//! deleted. Progress is reported per step, metrics on `data_files` and `data_units`
//! (`{stand_by, success, failed}`), an `upload_data_unit` event per data unit made (the SDK's
//! `{status, created, data_unit_id, data_unit_meta}`), and an `import_result` event at
//! `cleanup`, each file left out with its [`FailureCode`] (`failure_reason_code`).
//!
//! An upload plugin is an action calling [`run_upload`] with an [`Uploader`]
//! ([`DefaultUploader`], or one overriding what it needs):
//!
//! ```no_run
//! use synapse::prelude::*;
//! use synapse::upload::{DefaultUploader, UploadParams, UploadResult, run_upload};
//!
//! /// Uploads a folder into a data collection.
//! #[action(name = "upload", category = Upload)]
//! pub struct Upload;
//!
//! impl Action for Upload {
//!     type Params = UploadParams;
//!     type Output = UploadResult;
//!
//!     async fn execute(&self, params: UploadParams, ctx: &Context) -> Result<UploadResult> {
//!         Ok(run_upload(ctx, params, &DefaultUploader).await?)
//!     }
//! }
//! ```
//!
//! # Bad input
//!
//! | input | outcome |
//! |---|---|
//! | a blank `name`, a worker count or batch size out of range | a params violation, before the run |
//! | `use_single_path` without `path`, or multi-path without `assets` | [`UploadError::NoPath`] at `initialize` |
//! | a `path` that does not exist | [`UploadError::Folder`] at `initialize` |
//! | a storage, project or data collection the backend does not have | [`UploadError::Storage`], [`UploadError::Project`], [`UploadError::Collection`], naming the id |
//! | an `assets` key the collection has no specification for | [`UploadError::UnknownAsset`] at `analyze_collection` |
//! | a metadata file too large, of more than 100,000 rows or 300 columns, or with a formula | [`MetadataError`] at `process_metadata` (an `.xlsx` is streamed and refused at the first cell past the limit) |
//! | no file in any specification's folder (e.g. the files directly in `path`) | [`UploadError::NoFiles`] at `organize_files`, naming the missing `<path>/<spec>/` folders and the files outside them |
//! | a subfolder of `path` named after no specification (`data_meta` for `data_meta_1`) | a warning and a `folder_unmatched` event with the nearest name; its files are not uploaded |
//! | a symbolic link loop in the folder | reported (`path_skipped` event, [`UploadResult::skipped_paths`]), not followed |
//! | a group missing its primary or a required specification's file, a file of an extension not allowed | the group left out, each of its files in [`UploadResult::failed_files`] with the reason |
//! | every group left out, or no file uploaded | [`UploadError::NothingUploaded`] with every failure |
//! | a file whose upload fails after its retries | left out with its group, in `failed_files` |
//! | a data unit batch that fails after its retries | [`UploadError::Units`] at `generate_data_units`; units and files deleted |
//!
//! Needs the `upload` feature.
//!
//! | file | holds |
//! |---|---|
//! | `params.rs` | [`UploadParams`], [`AssetConfig`] |
//! | `state.rs` | [`UploadState`], [`FileGroup`], [`LocalFile`], [`UploadedFile`], [`FailedFile`], [`UploadResult`] |
//! | `discover.rs` | [`discover_files`], [`EXCLUDED_DIRS`], [`EXCLUDED_FILES`] |
//! | `metadata.rs` | [`read_metadata`], [`Metadata`], [`MetadataLimits`] |
//! | `group.rs` | [`group_files`], [`validate_group`] |
//! | `transfer.rs` | [`upload_files`], [`checksums`], [`checksum_stream`], [`TransferOptions`], [`TransferReport`] |
//! | `units.rs` | [`create_units`], [`UnitOptions`] |
//! | `steps/` | the eight steps and [`upload_steps`] |
//! | `error.rs` | [`UploadError`], [`MetadataError`] |
//! | `failure.rs` | [`FailureCode`]: why a file was left out, per cause |

mod discover;
mod error;
mod failure;
mod group;
mod messages;
mod metadata;
mod params;
mod source;
mod state;
mod steps;
mod transfer;
mod units;

pub use discover::{Discovered, EXCLUDED_DIRS, EXCLUDED_FILES, discover_files};
pub use error::{MetadataError, UploadError};
pub use failure::FailureCode;
pub use group::{SpecFiles, group_files, spec_extensions, validate_group};
pub use messages::UploadMessage;
pub use metadata::{DEFAULT_METADATA_FILES, Metadata, MetadataLimits, read_metadata};
pub use params::{AssetConfig, UploadParams};
pub use source::folder_in_storage;
pub use state::{FailedFile, FileGroup, LOST_FILES_LIMIT, LocalFile, UploadResult, UploadState, UploadedFile};
pub use steps::{
    AnalyzeCollectionStep, CleanupStep, GenerateDataUnitsStep, InitializeStep, OrganizeFilesStep, ProcessMetadataStep,
    UploadFilesStep, ValidateFilesStep, upload_steps,
};
pub use transfer::{
    KEEP_BELOW, KEEP_TOTAL, TransferOptions, TransferReport, checksum_stream, checksums, supports_presigned,
    upload_files,
};
pub use units::{UnitOptions, create_units};

use crate::backend::{BackendClient, DataCollection, DataUnitCreate};
use crate::context::Context;
use crate::error::Result;
use crate::steps::StepRegistry;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;

/// What an upload plugin customizes: each method has the SDK's default behaviour (its
/// strategies: file discovery, metadata, validation, upload, data units), and
/// [`steps`](Self::steps) changes the workflow (insert, replace, remove steps by name, as the
/// SDK's `setup_steps`). The steps hold a clone of the uploader, hence `Clone + 'static`
/// (a unit struct is both).
///
/// ```
/// use std::collections::BTreeMap;
/// use synapse::backend::DataCollection;
/// use synapse::upload::{FailedFile, FileGroup, Uploader, validate_group};
///
/// /// Takes PNG images only, and refuses groups without metadata.
/// #[derive(Clone)]
/// struct Strict;
///
/// impl Uploader for Strict {
///     fn allowed_extensions(&self) -> Option<BTreeMap<String, Vec<String>>> {
///         Some(BTreeMap::from([("image".to_owned(), vec![".png".to_owned()])]))
///     }
///
///     fn validate(&self, group: &FileGroup, collection: &DataCollection) -> Result<(), FailedFile> {
///         validate_group(group, collection, self.allowed_extensions().as_ref())?;
///         match &group.meta {
///             Some(_) => Ok(()),
///             None => Err(FailedFile::new(group.files.values().next().cloned().unwrap_or_default(), "no metadata row")),
///         }
///     }
/// }
/// ```
pub trait Uploader: Clone + Send + Sync + 'static {
    /// The extensions allowed per file type (`{"image": [".png", ".jpg"]}`, case-insensitive),
    /// as the SDK's `get_allowed_extensions`; `None` (the default): any extension the
    /// specification takes. The keys are the specifications' `file_type`s (`image`, `video`,
    /// `audio`, `text`, `pcd`, `data`), not their names (`image_1`): a key that is no file type
    /// of the collection checks nothing, and `validate_files` warns of it.
    fn allowed_extensions(&self) -> Option<BTreeMap<String, Vec<String>>> {
        None
    }

    /// The files under `root` ([`discover_files`] by default). Runs on a blocking thread.
    ///
    /// # Errors
    /// [`UploadError::Folder`] when `root` cannot be searched.
    fn discover_files(&self, root: &Path, recursive: bool) -> Result<Discovered, UploadError> {
        discover_files(root, recursive)
    }

    /// The metadata table at `path` ([`read_metadata`] within the default
    /// [`MetadataLimits`]). Runs on a blocking thread.
    ///
    /// # Errors
    /// [`UploadError::Metadata`].
    fn metadata(&self, path: &Path) -> Result<Metadata, UploadError> {
        Ok(read_metadata(path, &MetadataLimits::default())?)
    }

    /// Checks one group of files ([`validate_group`] with
    /// [`allowed_extensions`](Self::allowed_extensions) by default).
    ///
    /// # Errors
    /// The file at fault and why: the group is left out, each of its files recorded.
    fn validate(&self, group: &FileGroup, collection: &DataCollection) -> Result<(), FailedFile> {
        validate_group(group, collection, self.allowed_extensions().as_ref())
    }

    /// Uploads `files` ([`upload_files`] by default), recording each data file made in
    /// `report` as it comes: a rollback deletes those.
    ///
    /// # Errors
    /// An error that stops the step (files failing one by one are recorded instead).
    fn upload(
        &self,
        ctx: &Context,
        client: &BackendClient,
        files: &[LocalFile],
        options: &TransferOptions,
        report: &mut TransferReport,
    ) -> impl Future<Output = Result<(), UploadError>> + Send {
        upload_files(ctx, client, files, options, report)
    }

    /// Creates `units` ([`create_units`] by default), pushing each unit's id onto `created`
    /// as it is made: a rollback deletes those.
    ///
    /// # Errors
    /// [`UploadError::Units`], or the strategy's own.
    fn data_units(
        &self,
        ctx: &Context,
        client: &BackendClient,
        units: &[DataUnitCreate],
        options: &UnitOptions,
        created: &mut Vec<u64>,
    ) -> impl Future<Output = Result<(), UploadError>> + Send {
        create_units(ctx, client, units, options, created)
    }

    /// Changes the workflow's steps before the run (`steps.insert_after("validate_files",
    /// MyCheck)`, `steps.remove("cleanup")`, …). The default keeps them.
    ///
    /// # Errors
    /// A change the registry refuses (an unknown or repeated step name).
    fn steps(&self, steps: &mut StepRegistry<UploadState>) -> Result<()> {
        let _ = steps;
        Ok(())
    }
}

/// The SDK's default upload: every [`Uploader`] method as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DefaultUploader;

impl Uploader for DefaultUploader {}

/// Runs the upload workflow with `params` and `uploader`, reporting through `ctx` (its
/// backend client does the calls), as `synapse::dataset::run_dataset` runs a
/// dataset action.
///
/// # Errors
/// [`UploadError::Workflow`]: the failing step, its cause (an [`UploadError`] for the
/// workflow's own steps: [`UploadError::step_error`]), each rollback's outcome, and the data
/// files left on the backend. A registry change refused by [`Uploader::steps`] is
/// [`UploadError::Steps`].
pub async fn run_upload<U: Uploader>(
    ctx: &Context,
    params: UploadParams,
    uploader: &U,
) -> std::result::Result<UploadResult, UploadError> {
    let mut steps = upload_steps(uploader).map_err(|error| UploadError::Steps { reason: format!("{error:#}") })?;
    uploader.steps(&mut steps).map_err(|error| UploadError::Steps { reason: format!("{error:#}") })?;
    let total = steps.names().len();
    let mut state = UploadState::new(params);
    match steps.orchestrator().run(ctx, &mut state).await {
        Ok(report) => {
            let executed = report.steps.iter().filter(|step| step.success()).count();
            Ok(state.result(executed, total))
        }
        Err(failure) => {
            Err(UploadError::Workflow { source: Box::new(failure), orphaned_data_files: state.orphaned_data_files })
        }
    }
}
