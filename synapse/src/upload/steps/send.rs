//! The steps that change the backend: `upload_files` (checksums, duplicates, the server's
//! checksums, the uploader's strategy; rolled back by deleting the data files made),
//! `generate_data_units` (rolled back by deleting the units made) and `cleanup` (the
//! `import_result` summary).

use super::client;
use crate::backend::{DataUnitCreate, FileDeletion, FileRef};
use crate::error::Result;
use crate::events::LogLevel;
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use crate::upload::{
    FailedFile, LocalFile, TransferOptions, TransferReport, UnitOptions, UploadError, UploadState, UploadedFile,
    Uploader, checksums, supports_presigned,
};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

/// Computes checksums, drops local duplicates, skips what the backend has, uploads the rest
/// with the uploader's strategy (weight 0.30). Its rollback deletes the data files it made.
pub struct UploadFilesStep<U>(pub U);
/// Creates a data unit per group with the uploader's strategy (weight 0.20). Its rollback
/// deletes the units it made.
pub struct GenerateDataUnitsStep<U>(pub U);
/// Reports the `import_result` summary (weight 0.05).
pub struct CleanupStep;

impl<U> StepInfo for UploadFilesStep<U> {
    const SPEC: StepSpec = StepSpec::new("upload_files", 0.30);
}
impl<U> StepInfo for GenerateDataUnitsStep<U> {
    const SPEC: StepSpec = StepSpec::new("generate_data_units", 0.20);
}
impl StepInfo for CleanupStep {
    const SPEC: StepSpec = StepSpec::new("cleanup", 0.05);
}

/// The metrics of `category` (`data_files`, `data_units`), as the SDK reports them.
fn metrics(cx: &StepCx<'_, UploadState>, category: &str, stand_by: usize, success: usize, failed: usize) {
    let values = json!({ "stand_by": stand_by, "success": success, "failed": failed });
    if let Value::Object(values) = values {
        cx.set_metrics(values, category);
    }
}

/// Leaves out the groups with a file in `bad` (path → reason), recording each of their files.
fn drop_groups(state: &mut UploadState, bad: &HashMap<PathBuf, String>) {
    let groups = std::mem::take(&mut state.groups);
    for group in groups {
        let Some((culprit, reason)) = group.files.values().find_map(|path| bad.get(path).map(|reason| (path, reason)))
        else {
            state.groups.push(group);
            continue;
        };
        for path in group.files.values() {
            let reason = if path == culprit {
                reason.clone()
            } else {
                format!("its group `{}` lost {}: {reason}", group.stem, culprit.display())
            };
            state.failed.push(FailedFile::new(path, reason));
        }
    }
}

impl<U: Uploader> Step<UploadState> for UploadFilesStep<U> {
    /// The data files made, by id.
    type Undo = Vec<u64>;

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, made: &mut Vec<u64>) -> Result<()> {
        let ctx = cx.ctx().clone();
        let client = client(&ctx)?;
        let params = cx.params.clone();
        let workers = params.upload_max_workers as usize;
        let paths: Vec<PathBuf> = cx.groups.iter().flat_map(|group| group.files.values().cloned()).collect();
        metrics(cx, "data_files", paths.len(), 0, 0);
        let mut bad = HashMap::new();
        let mut local: HashMap<PathBuf, LocalFile> = HashMap::new();
        for result in checksums(&ctx, &paths, workers).await {
            match result {
                Ok(file) => drop(local.insert(file.path.clone(), file)),
                Err(failed) => drop(bad.insert(PathBuf::from(&failed.path), failed.reason)),
            }
        }
        // Local duplicates: a group whose primary file has the content of an earlier group's.
        let primary = cx.collection.as_ref().and_then(|collection| collection.primary()).map(|spec| spec.name.clone());
        let mut seen: HashMap<String, PathBuf> = HashMap::new();
        let mut duplicates = 0;
        for group in &cx.groups {
            let Some(path) = primary.as_ref().and_then(|spec| group.files.get(spec)) else { continue };
            let Some(file) = local.get(path) else { continue };
            if let Some(first) = seen.get(&file.checksum) {
                duplicates += 1;
                bad.insert(path.clone(), format!("duplicate of {} (same content); left out", first.display()));
            } else {
                seen.insert(file.checksum.clone(), path.clone());
            }
        }
        drop_groups(cx.state(), &bad);
        cx.state().duplicates = duplicates;
        cx.state().checksums = local.iter().map(|(path, file)| (path.clone(), file.checksum.clone())).collect();
        // One upload per content; what the backend has already is not sent again.
        let mut unique: Vec<LocalFile> = Vec::new();
        let mut by_sum = HashSet::new();
        for path in cx.groups.iter().flat_map(|group| group.files.values()) {
            if let Some(file) = local.get(path)
                && by_sum.insert(file.checksum.clone())
            {
                unique.push(file.clone());
            }
        }
        let sums: Vec<String> = unique.iter().map(|file| file.checksum.clone()).collect();
        let existing: HashSet<String> = client
            .verify_checksums(&sums)
            .await
            .map_err(|error| UploadError::Checksums(Box::new(error)))?
            .into_iter()
            .collect();
        let (present, to_send): (Vec<LocalFile>, Vec<LocalFile>) =
            unique.into_iter().partition(|file| existing.contains(&file.checksum));
        let presigned = cx.storage.as_ref().is_some_and(supports_presigned);
        let options = TransferOptions {
            presigned,
            chunked_threshold: params.chunked_threshold(),
            workers,
            retries: params.upload_max_retries as u32,
            batch_size: params.upload_batch_size as usize,
        };
        let mut report = TransferReport::default();
        let sent = self.0.upload(&ctx, &client, &to_send, &options, &mut report).await;
        made.extend(report.uploaded.iter().filter_map(|file| file.data_file_id));
        sent?;
        let made_sums: Vec<(u64, String)> =
            report.uploaded.iter().filter_map(|file| file.data_file_id.map(|id| (id, file.checksum.clone()))).collect();
        // The content on the backend is the content read here.
        let sums_of: HashMap<&PathBuf, &str> =
            to_send.iter().map(|file| (&file.path, file.checksum.as_str())).collect();
        let mut on_backend: HashMap<String, UploadedFile> = HashMap::new();
        for file in report.uploaded {
            match sums_of.get(&file.path) {
                Some(sum) if *sum != file.checksum => {
                    let reason = format!("the backend's checksum {} differs from the file's {sum}", file.checksum);
                    bad.insert(file.path.clone(), reason);
                }
                _ => drop(on_backend.insert(file.checksum.clone(), file)),
            }
        }
        for file in report.failed {
            bad.insert(PathBuf::from(&file.path), file.reason);
        }
        for file in present {
            let uploaded = UploadedFile { path: file.path, data_file_id: None, checksum: file.checksum.clone() };
            on_backend.insert(file.checksum, uploaded);
        }
        drop_groups(cx.state(), &bad);
        // The data files made for groups left out: no unit will name them.
        let kept: HashSet<&String> = cx
            .groups
            .iter()
            .flat_map(|group| group.files.values())
            .filter_map(|path| local.get(path))
            .map(|file| &file.checksum)
            .collect();
        let unused: Vec<u64> = made_sums.iter().filter(|(_, sum)| !kept.contains(sum)).map(|(id, _)| *id).collect();
        let mut removed = Vec::new();
        for id in unused {
            match client.delete_data_file(id).await {
                Ok(FileDeletion::Deleted) => removed.push(id),
                Ok(FileDeletion::Orphaned { status, message, .. }) => {
                    cx.logger()
                        .warn(format!("data file {id} of a group left out stays on the backend: {status} {message}"));
                }
                Err(error) => {
                    cx.logger().warn(format!("data file {id} of a group left out stays on the backend: {error}"))
                }
            }
        }
        made.retain(|id| !removed.contains(id));
        on_backend.retain(|_, file| file.data_file_id.is_none_or(|id| !removed.contains(&id)));
        if !removed.is_empty() {
            cx.log("unused_data_files_deleted", json!({ "ids": removed }));
        }
        let uploaded: Vec<UploadedFile> = on_backend.into_values().collect();
        metrics(cx, "data_files", 0, uploaded.len(), paths.len().saturating_sub(uploaded.len()));
        cx.log(
            "files_uploaded",
            json!({
                "uploaded": made.len(), "already_on_backend": existing.len(), "duplicates": duplicates,
                "failed": bad.len(), "presigned": presigned,
            }),
        );
        if !bad.is_empty() {
            cx.log_message(format!("{} files were not uploaded (see failed_files)", bad.len()), LogLevel::Warning);
        }
        let state = cx.state();
        state.uploaded = uploaded;
        if state.groups.is_empty() {
            return Err(UploadError::NothingUploaded { total: state.discovered, failed: state.failed.clone() }.into());
        }
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, made: Vec<u64>) -> Result<()> {
        cx.state().uploaded.clear();
        cx.state().checksums.clear();
        if made.is_empty() {
            return Ok(());
        }
        let client = client(cx.ctx())?;
        let (mut deleted, mut orphaned, mut reasons) = (Vec::new(), Vec::new(), Vec::new());
        for id in made.into_iter().rev() {
            match client.delete_data_file(id).await {
                Ok(FileDeletion::Deleted) => deleted.push(id),
                Ok(FileDeletion::Orphaned { status, message, .. }) => {
                    orphaned.push(id);
                    reasons.push(format!("{id}: {status} {message}"));
                }
                Err(error) => {
                    orphaned.push(id);
                    reasons.push(format!("{id}: {error}"));
                }
            }
        }
        cx.log("data_files_deleted", json!({ "ids": deleted }));
        if orphaned.is_empty() {
            return Ok(());
        }
        cx.ctx().log_at(LogLevel::Warning, "orphaned_data_files", json!({ "ids": orphaned, "reasons": reasons }));
        cx.state().orphaned_data_files.extend(&orphaned);
        Err(UploadError::Orphaned { ids: orphaned, reason: reasons.join("; ") }.into())
    }
}

impl<U: Uploader> Step<UploadState> for GenerateDataUnitsStep<U> {
    /// The data units made, by id.
    type Undo = Vec<u64>;

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, made: &mut Vec<u64>) -> Result<()> {
        let ctx = cx.ctx().clone();
        let client = client(&ctx)?;
        let collection = cx.params.data_collection;
        let group_name = cx.params.group();
        let mut units = Vec::with_capacity(cx.groups.len());
        for group in &cx.groups {
            let mut unit = DataUnitCreate::new(collection);
            for (spec, path) in &group.files {
                let sum = cx.checksums.get(path).map(String::as_str);
                let relative = group.relative.get(spec).cloned().unwrap_or_else(|| path.display().to_string());
                unit = unit.file(spec, FileRef::new(sum.unwrap_or_default(), relative));
            }
            let mut meta = group.meta.clone().unwrap_or_default();
            meta.insert("origin_file_stem".to_owned(), Value::from(group.stem.clone()));
            unit.meta = Some(Value::Object(meta));
            unit.groups = group_name.clone().map(|name| vec![name]);
            units.push(unit);
        }
        metrics(cx, "data_units", units.len(), 0, 0);
        let options = UnitOptions {
            batch_size: cx.params.creating_data_unit_batch_size as usize,
            workers: cx.params.creating_data_unit_max_workers as usize,
            retries: cx.params.upload_max_retries as u32,
        };
        let created = self.0.data_units(&ctx, &client, &units, &options, made).await;
        metrics(cx, "data_units", 0, made.len(), units.len().saturating_sub(made.len()));
        cx.log("data_units_created", json!({ "count": made.len(), "of": units.len() }));
        created?;
        cx.state().data_units = made.clone();
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, UploadState>, made: Vec<u64>) -> Result<()> {
        cx.state().data_units.clear();
        if made.is_empty() {
            return Ok(());
        }
        let client = client(cx.ctx())?;
        let (mut deleted, mut left) = (Vec::new(), Vec::new());
        for id in made.into_iter().rev() {
            match client.delete_data_unit(id).await {
                Ok(()) => deleted.push(id),
                Err(error) => left.push(format!("{id}: {error}")),
            }
        }
        cx.log("data_units_deleted", json!({ "ids": deleted }));
        if left.is_empty() { Ok(()) } else { Err(anyhow::anyhow!("data units not deleted: {}", left.join("; "))) }
    }
}

impl Step<UploadState> for CleanupStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, UploadState>, _: &mut ()) -> Result<()> {
        let unit_of: BTreeMap<&PathBuf, u64> = cx
            .groups
            .iter()
            .zip(&cx.data_units)
            .flat_map(|(group, id)| group.files.values().map(move |path| (path, *id)))
            .collect();
        let mut entries = Vec::new();
        for (path, id) in &unit_of {
            entries.push(json!({
                "original_file_name": file_name(path), "import_status": "SUCCESS", "failure_reason_code": null,
                "failure_reason_detail": null, "file_path": path, "data_unit_id": id,
            }));
        }
        for failed in &cx.failed {
            entries.push(json!({
                "original_file_name": file_name(&PathBuf::from(&failed.path)), "import_status": "FAILED",
                "failure_reason_code": "UPLOAD_FAILED", "failure_reason_detail": failed.reason, "file_path": failed.path,
            }));
        }
        let summary = json!({
            "import_request_id": cx.ctx().run_id().as_str(),
            "job_id": cx.ctx().job_id(),
            "total_files": unit_of.len() + cx.failed.len(),
            "success_count": unit_of.len(),
            "failed_count": cx.failed.len(),
            "data_units": cx.data_units.len(),
            "storage_id": cx.params.storage,
            "data_collection_id": cx.params.data_collection,
            "entries": entries,
        });
        cx.log("import_result", summary);
        cx.set_progress(1, 1);
        Ok(())
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}
