//! The shared tail's second per-item step, `save_files`: each item's original file and data
//! saved, several items at once, names made unique first; then the exporter's additional files
//! (the SDK's `steps/save_files.py`).

use crate::error::Result;
use crate::export::output::OriginalSlot;
use crate::export::{
    ExportError, ExportItem, ExportState, Exporter, FileKind, FileOutcome, ItemFailure, ItemOutput, MetricsRecord,
};
use crate::steps::{Step, StepCx};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Saves each converted item — its original file (when `save_original_file`) and its data —
/// with at most `export_download_workers` items at once, calling the run's clone of the
/// exporter, then runs its `additional_files` (weight 0.38). Fails when no item could be
/// exported.
pub struct SaveFilesStep<E>(pub Arc<E>);

/// How often (in items) the metrics of the file kinds are reported besides the last item.
const METRICS_EVERY: u64 = 100;

/// The stem of each item, unique in the export: an item whose stem an earlier item has gets
/// `<stem>__<id>` (the SDK's `_resolve_output_stem`), resolved in item order before anything is
/// saved, so saving items at once cannot change which item keeps its name.
fn unique_stems(items: &[ExportItem]) -> (Vec<String>, BTreeMap<u64, String>) {
    let mut claimed = HashSet::new();
    let mut collisions = BTreeMap::new();
    let stems = items
        .iter()
        .map(|item| {
            let stem = item.stem();
            if claimed.insert(stem.clone()) {
                return stem;
            }
            let mut resolved = format!("{stem}__{}", item.id);
            let mut counter = 1;
            while !claimed.insert(resolved.clone()) {
                counter += 1;
                resolved = format!("{stem}__{}_{counter}", item.id);
            }
            collisions.insert(item.id, resolved.clone());
            resolved
        })
        .collect();
    (stems, collisions)
}

/// The per-item event of one file (`export_original_file`, `export_data_file`), as the SDK's
/// `export_log_*_file` shapes it.
fn file_event(ctx: &crate::Context, kind: FileKind, id: u64, outcome: &FileOutcome) {
    let event = match kind {
        FileKind::OriginalFile => "export_original_file",
        FileKind::DataFile => "export_data_file",
    };
    let info = json!({ "file_name": outcome.file_name }).to_string();
    ctx.log(
        event,
        json!({
            "target_id": id, "data_file_info": info, "status": outcome.status, "error": outcome.error,
            "key": outcome.key, "created": humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
        }),
    );
}

impl<E: Exporter> Step<ExportState> for SaveFilesStep<E> {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, ExportState>) -> bool {
        cx.total_count == 0
    }

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let dir = cx.dir.clone().ok_or_else(|| ExportError::Io {
            what: "saving the items".to_owned(),
            reason: "the export has no directory (the `initialize` step did not run)".to_owned(),
        })?;
        let (originals, workers, total) = (cx.params.save_original_file, cx.workers, cx.total_count);
        let items = std::mem::take(&mut cx.state().items);
        let (stems, collisions) = unique_stems(&items);
        for (id, stem) in &collisions {
            ctx.log_dev_event(
                format!("output filename collision: item {id} is saved as `{stem}.*`"),
                json!({ "item_id": id, "output_stem": stem }),
            );
        }
        let order: BTreeMap<u64, usize> = items.iter().enumerate().map(|(at, item)| (item.id, at)).collect();
        let state = cx.state();
        state.collisions = collisions;
        state.original_metrics = MetricsRecord::waiting(if originals { items.len() as u64 } else { 0 });
        let (client, scratch) = (state.client.clone(), Arc::new(state.scratch.clone()));
        let count = items.len() as u64;
        let calls = items.into_iter().zip(stems).map(|(item, stem)| {
            let (exporter, dir, client, scratch) = (self.0.clone(), dir.clone(), client.clone(), scratch.clone());
            async move {
                let slot = OriginalSlot::new();
                let out = ItemOutput { dir: &dir, stem: &stem, scratch: &scratch, client: &client, original: &slot };
                let original = match originals {
                    true => Some(exporter.save_original_file(&item, out).await),
                    false => None,
                };
                let data = exporter.save_as_json(&item, out).await;
                slot.discard().await;
                (item, original, data)
            }
        });
        let mut saving = futures_util::stream::iter(calls).buffer_unordered(workers.max(1));
        let mut failed: Vec<(usize, ItemFailure)> = Vec::new();
        let mut done = total - count;
        let mut saved = Vec::with_capacity(count as usize);
        while let Some((item, original, data)) = saving.next().await {
            let id = item.id;
            saved.push(item);
            let at = order.get(&id).copied().unwrap_or(usize::MAX);
            let state = cx.state();
            if let Some(original) = original {
                file_event(&ctx, FileKind::OriginalFile, id, &original);
                state.original_metrics.record(original.is_saved());
                if !original.is_saved() {
                    let failure = ItemFailure {
                        id,
                        kind: FileKind::OriginalFile,
                        file_name: original.file_name,
                        reason: original.error,
                    };
                    failed.push((at, failure));
                }
            }
            file_event(&ctx, FileKind::DataFile, id, &data);
            state.data_metrics.record(data.is_saved());
            if !data.is_saved() {
                failed.push((
                    at,
                    ItemFailure { id, kind: FileKind::DataFile, file_name: data.file_name, reason: data.error },
                ));
            }
            done += 1;
            ctx.set_progress(done, total);
            if done.is_multiple_of(METRICS_EVERY) || done == total {
                report_metrics(&ctx, cx.state(), originals);
            }
        }
        drop(saving);
        failed.sort_by_key(|(at, failure)| (*at, failure.kind));
        saved.sort_by_key(|item| order.get(&item.id).copied().unwrap_or(usize::MAX));
        let state = cx.state();
        state.items = saved;
        state.failures.extend(failed.into_iter().map(|(_, failure)| failure));
        state.failures.sort_by_key(|failure| (order.get(&failure.id).copied().unwrap_or(usize::MAX), failure.kind));
        let additional = self.0.additional_files(&dir).await;
        additional.map_err(|error| ExportError::AdditionalFiles { reason: format!("{error:#}") })?;
        let (exported, failed) = (cx.exported_count(), cx.failed_count());
        cx.set_output(json!({
            "exported_count": exported, "failed_count": failed,
            "original_success": cx.original_metrics.success, "original_failed": cx.original_metrics.failed,
            "filename_collision_count": cx.collisions.len(),
        }));
        if exported == 0 && failed > 0 {
            let first = cx.failures.first().map(ToString::to_string).unwrap_or_default();
            return Err(ExportError::NothingExported { failed, first }.into());
        }
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, _: ()) -> Result<()> {
        // The files themselves go with the export directory (the `initialize` rollback).
        let state = cx.state();
        let ids: HashSet<u64> = state.not_converted.iter().copied().collect();
        state.failures.retain(|failure| failure.kind == FileKind::DataFile && ids.contains(&failure.id));
        state.original_metrics = MetricsRecord::default();
        state.collisions.clear();
        Ok(())
    }
}

/// The metrics of each file kind (`original_file` when originals are saved, `data_file`).
pub(super) fn report_metrics(ctx: &crate::Context, state: &ExportState, originals: bool) {
    if originals {
        ctx.set_metrics(state.original_metrics.values(), FileKind::OriginalFile.category());
    }
    ctx.set_metrics(state.data_metrics.values(), FileKind::DataFile.category());
}
