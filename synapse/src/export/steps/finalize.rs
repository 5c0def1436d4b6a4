//! The export's last step, `finalize`: the error list written when files failed, the name
//! collisions recorded, the metrics of each file kind and a summary reported (the SDK's
//! `steps/finalize.py`; never skipped).

use super::save::report_metrics;
use crate::error::Result;
use crate::export::ExportMessage;
use crate::export::output::ERROR_LIST_FILE;
use crate::export::{ExportError, ExportState, FileKind};
use crate::steps::{Step, StepCx};
use serde_json::{Value, json};

/// Writes the error list (`error_file_list.json`: `{"json_file_name": [[name, reason], …],
/// "origin_file_name": [[name, reason], …]}`, as the SDK's `_save_error_list`) and
/// `filename_collisions.json` when there are any, reports the metrics and a summary
/// (weight 0.10).
pub struct FinalizeStep;

/// The collisions report.
const COLLISIONS_FILE: &str = "filename_collisions.json";

impl Step<ExportState> for FinalizeStep {
    /// The keys written.
    type Undo = Vec<String>;

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, written: &mut Vec<String>) -> Result<()> {
        let ctx = cx.ctx().clone();
        let Some(dir) = cx.dir.clone() else {
            return Ok(());
        };
        let listed = |kind: FileKind| -> Vec<Value> {
            cx.failures.iter().filter(|f| f.kind == kind).map(|f| json!([f.file_name, f.reason])).collect()
        };
        let (data, originals) = (listed(FileKind::DataFile), listed(FileKind::OriginalFile));
        if !data.is_empty() || !originals.is_empty() {
            let list = json!({ "json_file_name": data, "origin_file_name": originals });
            let bytes = serde_json::to_vec_pretty(&list)?;
            let key = dir.put_bytes(ERROR_LIST_FILE, bytes).await.map_err(|source| ExportError::Output {
                what: format!("the error list {}", dir.key(ERROR_LIST_FILE)),
                source: Box::new(source),
            })?;
            written.push(key.clone());
            cx.state().error_list = Some(key);
        }
        if !cx.collisions.is_empty() {
            let rows: Vec<Value> =
                cx.collisions.iter().map(|(id, stem)| json!({ "item_id": id, "output_stem": stem })).collect();
            let key = dir.put_bytes(COLLISIONS_FILE, serde_json::to_vec_pretty(&rows)?).await.map_err(|source| {
                ExportError::Output {
                    what: format!("the collisions report {}", dir.key(COLLISIONS_FILE)),
                    source: Box::new(source),
                }
            })?;
            written.push(key);
        }
        report_metrics(&ctx, cx, cx.params.save_original_file && cx.total_count > 0);
        let (exported, failed, total) = (cx.exported_count(), cx.failed_count(), cx.total_count);
        let summary = json!({
            "export_path": dir.location(), "key": dir.prefix(), "exported_count": exported, "failed_count": failed,
            "total_count": total, "original_files": cx.original_metrics, "filename_collision_count": cx.collisions.len(),
            "error_list": cx.error_list,
        });
        ctx.log("export_summary", &summary);
        cx.set_output(summary);
        let missing_originals = cx.original_metrics.failed;
        if failed > 0 || missing_originals > 0 {
            cx.log_message_code(&ExportMessage::Partial {
                exported,
                total,
                location: dir.location().to_string(),
                failed,
                missing: missing_originals,
                error_list: ERROR_LIST_FILE.to_owned(),
            });
        } else {
            cx.log_message_code(&ExportMessage::Completed { exported, location: dir.location().to_string() });
        }
        ctx.set_progress(1, 1);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, written: Vec<String>) -> Result<()> {
        if let Some(dir) = cx.dir.clone() {
            for key in written {
                dir.storage().delete(&key).await?;
            }
        }
        cx.state().error_list = None;
        Ok(())
    }
}
