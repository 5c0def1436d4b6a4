//! The steps before any file is read: `initialize` (the storage, the project, the folder),
//! `process_metadata` (the metadata file) and `analyze_collection` (the file
//! specifications).

use super::client;
use crate::error::Result;
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use crate::upload::UploadMessage;
use crate::upload::{DEFAULT_METADATA_FILES, MetadataError, UploadError, UploadState, Uploader, folder_in_storage};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Reads the storage and the project, and resolves the folder of a single-path upload
/// (weight 0.05); refuses a missing `path` or `assets`.
pub struct InitializeStep;
/// Reads the metadata file (weight 0.10); skipped when there is none.
pub struct ProcessMetadataStep<U>(pub U);
/// Reads the data collection's file specifications (weight 0.05).
pub struct AnalyzeCollectionStep;

impl StepInfo for InitializeStep {
    const SPEC: StepSpec = StepSpec::new("initialize", 0.05);
}
impl<U> StepInfo for ProcessMetadataStep<U> {
    const SPEC: StepSpec = StepSpec::new("process_metadata", 0.10);
}
impl StepInfo for AnalyzeCollectionStep {
    const SPEC: StepSpec = StepSpec::new("analyze_collection", 0.05);
}

impl Step<UploadState> for InitializeStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let client = client(cx.ctx())?;
        let params = &cx.params;
        let single = params.use_single_path;
        let path = params.path.as_deref().filter(|path| !path.trim().is_empty());
        if single && path.is_none() {
            let reason = "`path` is required when `use_single_path` is true".to_owned();
            return Err(UploadError::NoPath { reason }.into());
        }
        if !single && params.assets.as_ref().is_none_or(|assets| assets.is_empty()) {
            let reason = "`assets` is required when `use_single_path` is false".to_owned();
            return Err(UploadError::NoPath { reason }.into());
        }
        let id = params.storage;
        let storage =
            client.get_storage(id).await.map_err(|source| UploadError::Storage { id, source: Box::new(source) })?;
        if let Some(id) = params.project {
            client.get_project(id).await.map_err(|source| UploadError::Project { id, source: Box::new(source) })?;
        }
        let base = match path.filter(|_| single) {
            Some(path) => {
                Some(existing_folder(folder_in_storage(&storage, id, path)?).map_err(|error| match error {
                    UploadError::Folder { path: folder, reason } => {
                        let reason =
                            format!("{reason} (`path` {path:?}, read inside storage {id}: {})", storage.provider);
                        UploadError::Folder { path: folder, reason }
                    }
                    other => other,
                })?)
            }
            None => None,
        };
        let mut asset_folders = BTreeMap::new();
        for (spec, asset) in params.assets.iter().flatten().filter(|_| !single) {
            asset_folders.insert(spec.clone(), folder_in_storage(&storage, id, &asset.path)?);
        }
        cx.log("upload_initialized", serde_json::json!({ "storage": id, "provider": storage.provider, "path": base }));
        cx.set_progress(1, 1);
        let state = cx.state();
        state.storage = Some(storage);
        state.base = base;
        state.asset_folders = asset_folders;
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, _: ()) -> Result<()> {
        let state = cx.state();
        state.storage = None;
        state.base = None;
        state.asset_folders.clear();
        Ok(())
    }
}

/// `folder`, when it is an existing folder.
fn existing_folder(folder: PathBuf) -> Result<PathBuf, UploadError> {
    if folder.is_dir() {
        return Ok(folder);
    }
    let reason = if folder.exists() { "is not a folder" } else { "does not exist" };
    Err(UploadError::Folder { path: folder, reason: reason.to_owned() })
}

/// Where `excel_metadata_path` is looked for, as the SDK's `process_metadata` does: as given (an
/// absolute path, or one relative to the working directory), inside the storage
/// ([`folder_in_storage`]), then relative to the upload's folder. Empty without one.
fn metadata_candidates(state: &UploadState) -> Vec<PathBuf> {
    let Some(given) = state.params.excel_metadata_path.as_deref().filter(|path| !path.trim().is_empty()) else {
        return Vec::new();
    };
    let in_storage =
        state.storage.as_ref().and_then(|storage| folder_in_storage(storage, state.params.storage, given).ok());
    let in_base = state.base.as_ref().map(|base| base.join(given.trim_start_matches('/')));
    let mut candidates: Vec<PathBuf> = Vec::new();
    for candidate in [Some(PathBuf::from(given)), in_storage, in_base].into_iter().flatten() {
        if !candidates.contains(&candidate) {
            candidates.push(candidate);
        }
    }
    candidates
}

/// The metadata file of `state`: the first of [`metadata_candidates`] that is a file (the path
/// as given when none is, for the metadata step to refuse), else the first of
/// [`DEFAULT_METADATA_FILES`] in the upload's folder.
fn metadata_path(state: &UploadState) -> Option<PathBuf> {
    let candidates = metadata_candidates(state);
    if let Some(given) = candidates.first() {
        return Some(candidates.iter().find(|path| path.is_file()).unwrap_or(given).clone());
    }
    let base = state.base.as_ref()?;
    DEFAULT_METADATA_FILES.iter().map(|name| base.join(name)).find(|path| path.is_file())
}

impl<U: Uploader> Step<UploadState> for ProcessMetadataStep<U> {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, UploadState>) -> bool {
        metadata_path(cx).is_none()
    }

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let Some(path) = metadata_path(cx) else { return Ok(()) };
        if !path.exists() {
            let tried: Vec<String> = metadata_candidates(cx).iter().map(|path| path.display().to_string()).collect();
            let reason = format!("no such file; looked for it at {}", tried.join(", "));
            return Err(UploadError::Metadata(MetadataError::Unreadable { path, reason }).into());
        }
        let uploader = self.0.clone();
        let read = path.clone();
        let metadata = cx.spawn_blocking(move || uploader.metadata(&read)).await??;
        cx.log("metadata_loaded", serde_json::json!({ "path": path, "rows": metadata.rows.len() }));
        cx.set_progress(1, 1);
        cx.state().metadata = Some(metadata);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, _: ()) -> Result<()> {
        cx.state().metadata = None;
        Ok(())
    }
}

impl Step<UploadState> for AnalyzeCollectionStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let client = client(cx.ctx())?;
        let id = cx.params.data_collection;
        let collection = client
            .get_data_collection(id)
            .await
            .map_err(|source| UploadError::Collection { id, source: Box::new(source) })?;
        if collection.file_specifications.is_empty() {
            return Err(UploadError::NoSpecifications { id }.into());
        }
        let known: Vec<String> = collection.file_specifications.iter().map(|spec| spec.name.clone()).collect();
        if !cx.params.use_single_path {
            for spec in cx.params.assets.iter().flat_map(|assets| assets.keys()) {
                if !known.contains(spec) {
                    let error = UploadError::UnknownAsset { spec: spec.clone(), collection: id, known: known.clone() };
                    return Err(error.into());
                }
            }
        }
        if collection.primary().is_none() {
            cx.log_message_code(&UploadMessage::NoPrimarySpecification { collection: id });
        }
        let required: Vec<&str> = collection
            .file_specifications
            .iter()
            .filter(|spec| spec.is_required)
            .map(|spec| spec.name.as_str())
            .collect();
        cx.log(
            "collection_analyzed",
            serde_json::json!({
                "data_collection": id, "specifications": known,
                "primary": collection.primary().map(|spec| spec.name.clone()), "required": required,
            }),
        );
        cx.set_progress(1, 1);
        cx.state().collection = Some(collection);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, _: ()) -> Result<()> {
        cx.state().collection = None;
        Ok(())
    }
}
