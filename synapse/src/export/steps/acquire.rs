//! The in-process head of the export: `initialize` (the storage opened, the export directory
//! made; its rollback removes it), `fetch_results` (the target's items listed) and
//! `prepare_export` (the project's configuration), as the SDK's `steps/initialize.py`,
//! `fetch_results.py` and `prepare_export.py` do them.

use super::items;
use crate::error::Result;
use crate::export::ExportMessage;
use crate::export::{ExportDir, ExportError, ExportState, ExportTarget};
use crate::steps::{Step, StepCx};
use serde_json::{Value, json};
use std::sync::Arc;

/// Opens the storage from the backend's record and makes the export's directory,
/// `<path>/<name>-<run id>/` with `labels/` and `origin_files/` (weight 0.02). Its rollback
/// removes the directory with everything written into it.
pub struct InitializeStep;
/// Lists the target's items, page by page (weight 0.05): ground truth by cursor pages of 1000
/// events, or of `extra_params.export_page_size`.
pub struct FetchResultsStep;
/// Reads the project's configuration and sets what the exporter is told (weight 0.03);
/// skipped when there are no items.
pub struct PrepareExportStep;

impl Step<ExportState> for InitializeStep {
    /// The directory made.
    type Undo = Option<Arc<ExportDir>>;

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, made: &mut Self::Undo) -> Result<()> {
        let ctx = cx.ctx().clone();
        let id = cx.params.storage;
        let storage =
            cx.client.open_storage(id).await.map_err(|source| ExportError::Storage { id, source: Box::new(source) })?;
        let run = ctx.run_id().as_str();
        let name = format!("{}-{}", cx.params.name.trim(), &run[..8.min(run.len())]);
        let originals = cx.params.save_original_file;
        let dir = Arc::new(ExportDir::create(Arc::from(storage), &cx.params.path, &name, originals).await?);
        *made = Some(dir.clone());
        cx.set_output(json!({ "storage_id": id, "unique_export_path": dir.location(), "key": dir.prefix() }));
        cx.log_message_code(&ExportMessage::DirectoryMade {
            directory: dir.prefix().to_string(),
            storage: dir.storage().describe().to_string(),
        });
        cx.state().dir = Some(dir);
        ctx.set_progress(1, 1);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, made: Self::Undo) -> Result<()> {
        if let Some(dir) = made {
            dir.remove().await?;
            cx.log_message_code(&ExportMessage::DirectoryRemoved { directory: dir.prefix().to_string() });
        }
        cx.state().dir = None;
        Ok(())
    }
}

impl Step<ExportState> for FetchResultsStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        ctx.set_progress(0, 1);
        let (target, filter) = (cx.params.target, cx.params.filter.clone());
        let (client, page_size) = (cx.client.clone(), items::page_size(cx.params.extra_params.as_ref()));
        let items = items::fetch(&client, target, &filter, page_size, |count| {
            if count.is_multiple_of(1000) {
                ctx.log("export_fetch_progress", json!({ "count": count }));
            }
        })
        .await?;
        let count = items.len() as u64;
        ctx.set_progress(1, 1);
        cx.set_output(json!({ "count": count }));
        if count == 0 {
            let filter = serde_json::Value::Object(cx.params.filter.clone());
            cx.log_message_code(&ExportMessage::NoItems {
                target: target.as_str().to_owned(),
                filter: filter.to_string(),
            });
        } else {
            cx.log_message_code(&ExportMessage::Items { count });
        }
        let state = cx.state();
        state.items = items;
        state.total_count = count;
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, _: ()) -> Result<()> {
        let state = cx.state();
        state.items.clear();
        state.total_count = 0;
        Ok(())
    }
}

impl Step<ExportState> for PrepareExportStep {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, ExportState>) -> bool {
        cx.total_count == 0
    }

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let project = match cx.params.target {
            ExportTarget::Assignment | ExportTarget::Task => {
                cx.params.filter.get("project").and_then(|value| match value {
                    Value::Number(number) => number.as_u64(),
                    Value::String(text) => text.parse().ok(),
                    _ => None,
                })
            }
            ExportTarget::GroundTruth => None,
        };
        // As the SDK: a project that cannot be read leaves an empty configuration, with a warning.
        let configuration = match project {
            Some(id) => match cx.client.get_project(id).await {
                Ok(project) => project.configuration,
                Err(error) => {
                    ctx.logger().warn(format!("the configuration of project {id} could not be read: {error}"));
                    json!({})
                }
            },
            None => json!({}),
        };
        let mut export_params = serde_json::Map::new();
        export_params.insert("name".to_owned(), json!(cx.params.name));
        export_params.insert("count".to_owned(), json!(cx.total_count));
        export_params.insert("save_original_file".to_owned(), json!(cx.params.save_original_file));
        if let Some(extra) = &cx.params.extra_params {
            export_params.extend(extra.clone());
        }
        export_params.insert("configuration".to_owned(), configuration.clone());
        if let Some(id) = project {
            export_params.insert("project_id".to_owned(), json!(id));
        }
        cx.set_output(json!({ "project_id": project, "count": cx.total_count }));
        let state = cx.state();
        state.project_id = project;
        state.configuration = configuration;
        state.export_params = export_params;
        ctx.set_progress(1, 1);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, _: ()) -> Result<()> {
        let state = cx.state();
        state.configuration = Value::Null;
        state.export_params.clear();
        Ok(())
    }
}
