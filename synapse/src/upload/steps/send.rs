//! The steps after the files are on the backend: `generate_data_units` (an
//! `upload_data_unit` event per unit; rolled back by deleting the units made) and `cleanup`
//! (the `import_result` summary).

use super::{client, metrics};
use crate::backend::{DataUnitCreate, FileRef};
use crate::error::Result;
use crate::events::LogLevel;
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use crate::upload::{UnitOptions, UploadError, UploadState, Uploader};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Creates a data unit per group with the uploader's strategy (weight 0.20). Its rollback
/// deletes the units it made.
pub struct GenerateDataUnitsStep<U>(pub U);
/// Reports the `import_result` summary (weight 0.05).
pub struct CleanupStep;

impl<U> StepInfo for GenerateDataUnitsStep<U> {
    const SPEC: StepSpec = StepSpec::new("generate_data_units", 0.20);
}
impl StepInfo for CleanupStep {
    const SPEC: StepSpec = StepSpec::new("cleanup", 0.05);
}

/// One `upload_data_unit` event per unit, as the SDK's `_log_data_unit` writes it: `{status:
/// "success", created, data_unit_id, data_unit_meta}` for each unit made (`made[i]` is
/// `units[i]`'s), and `{status: "failed", …, data_unit_id: null, message}` for each unit not
/// made when the strategy failed.
fn unit_events(cx: &StepCx<'_, UploadState>, units: &[DataUnitCreate], made: &[u64], error: Option<&UploadError>) {
    let created = humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string();
    for (unit, id) in units.iter().zip(made) {
        let event = json!({
            "status": "success", "created": created, "data_unit_id": id, "data_unit_meta": unit.meta,
        });
        cx.log("upload_data_unit", event);
    }
    let Some(error) = error else { return };
    let message = error.to_string();
    for unit in units.iter().skip(made.len()) {
        let event = json!({
            "status": "failed", "created": created, "data_unit_id": null, "data_unit_meta": unit.meta,
            "message": message,
        });
        cx.ctx().log_at(LogLevel::Warning, "upload_data_unit", event);
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
        unit_events(cx, &units, made, created.as_ref().err());
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
                "failure_reason_code": failed.code, "failure_reason_detail": failed.reason, "file_path": failed.path,
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
