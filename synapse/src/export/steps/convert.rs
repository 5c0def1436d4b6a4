//! The shared tail's first per-item step, `convert_data`: the exporter's before / convert /
//! after on each item, several batches at once on blocking threads, in item order (the SDK's
//! `steps/convert_data.py`).

use crate::error::{Error, Result};
use crate::export::ExportMessage;
use crate::export::{ExportError, ExportItem, ExportState, Exporter, FileKind, ItemFailure, MetricsRecord};
use crate::steps::{Step, StepCx};
use futures_util::StreamExt;
use serde_json::json;
use std::collections::HashSet;
use std::sync::Arc;

/// Runs the exporter's `before_convert` → `convert_data` → `after_convert` on each item
/// (weight 0.32), on the run's clone of the exporter; an item whose conversion fails is recorded
/// and not saved. Skipped without items.
pub struct ConvertDataStep<E>(pub Arc<E>);

/// The items a blocking thread converts at a time.
const BATCH: usize = 128;
/// The batches converted at once.
const BATCHES_AT_ONCE: usize = 4;

/// One item through the three hooks: the item, or why not (with its id and stem).
fn convert<E: Exporter>(exporter: &E, item: ExportItem) -> std::result::Result<ExportItem, (u64, String, String)> {
    let (id, stem) = (item.id, item.stem());
    exporter
        .before_convert(item)
        .and_then(|item| exporter.convert_data(item))
        .and_then(|item| exporter.after_convert(item))
        .map_err(|error: Error| (id, stem, format!("{error:#}")))
}

impl<E: Exporter> Step<ExportState> for ConvertDataStep<E> {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, ExportState>) -> bool {
        cx.total_count == 0
    }

    async fn execute(&self, cx: &mut StepCx<'_, ExportState>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let total = cx.total_count;
        let mut items = std::mem::take(&mut cx.state().items);
        let mut batches = Vec::with_capacity(items.len().div_ceil(BATCH));
        while !items.is_empty() {
            let rest = items.split_off(BATCH.min(items.len()));
            batches.push(std::mem::replace(&mut items, rest));
        }
        let runs = batches.into_iter().map(|batch| {
            let exporter = self.0.clone();
            tokio::task::spawn_blocking(move || {
                batch.into_iter().map(|item| convert(exporter.as_ref(), item)).collect::<Vec<_>>()
            })
        });
        let mut runs = futures_util::stream::iter(runs).buffered(BATCHES_AT_ONCE);
        let mut converted = Vec::with_capacity(total as usize);
        let mut failed = Vec::new();
        let mut done = 0;
        while let Some(batch) = runs.next().await {
            ctx.check_cancelled()?;
            let batch = batch.map_err(|error| ExportError::Io {
                what: "converting the items".to_owned(),
                reason: format!("a conversion stopped: {error}"),
            })?;
            for outcome in batch {
                match outcome {
                    Ok(item) => converted.push(item),
                    Err((id, stem, reason)) => {
                        ctx.log(
                            "export_item_failed",
                            json!({ "target_id": id, "step": "convert_data", "error": reason }),
                        );
                        failed.push(ItemFailure {
                            id,
                            kind: FileKind::DataFile,
                            file_name: format!("{stem}.json"),
                            reason,
                        });
                    }
                }
                done += 1;
            }
            ctx.set_progress(done, total);
        }
        drop(runs);
        cx.set_output(json!({ "converted_count": converted.len(), "failed_count": failed.len() }));
        if !failed.is_empty() {
            cx.log_message_code(&ExportMessage::ConversionFailed { failed: failed.len() as u64, total });
        }
        let state = cx.state();
        state.data_metrics = MetricsRecord::waiting(total);
        for failure in &failed {
            state.data_metrics.record(false);
            state.not_converted.push(failure.id);
        }
        state.failures.extend(failed);
        state.items = converted;
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, ExportState>, _: ()) -> Result<()> {
        let state = cx.state();
        let ids: HashSet<u64> = state.not_converted.drain(..).collect();
        state.failures.retain(|failure| !(failure.kind == FileKind::DataFile && ids.contains(&failure.id)));
        state.data_metrics = MetricsRecord::default();
        Ok(())
    }
}
