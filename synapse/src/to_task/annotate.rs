//! The `annotate_task_data` step: every task read, converted (from its file or by inference)
//! and submitted, `concurrency` at a time; each task's failure recorded and reported, the
//! others going on.

use super::files::{self, TaskFile};
use super::{Annotator, FileInput, InferenceInput, TaskFailure, ToTaskError, ToTaskMethod, ToTaskParams, ToTaskState};
use super::{convert, inference};
use crate::action::ActionDescriptor;
use crate::backend::BackendClient;
use crate::context::Context;
use crate::error::{Error, Result, chain_line};
use crate::steps::{Step, StepCx, StepInfo, StepSpec};
use futures_util::StreamExt;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Annotates every task (weight 0.70; 0.60 with `method: inference`) with the annotator `A`.
pub struct AnnotateStep<A>(pub A);

impl<A> StepInfo for AnnotateStep<A> {
    const SPEC: StepSpec = StepSpec::new("annotate_task_data", 0.70);
}

/// What every task's annotation reads.
struct Shared<A> {
    ctx: Context,
    client: BackendClient,
    params: ToTaskParams,
    class_names: Vec<String>,
    inference: Option<&'static ActionDescriptor>,
    annotator: A,
    work_dir: PathBuf,
}

impl<A: Annotator> Step<ToTaskState> for AnnotateStep<A> {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ToTaskState>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let shared = Arc::new(Shared {
            ctx: ctx.clone(),
            client: super::steps::client(&ctx)?,
            params: cx.params.clone(),
            class_names: cx.class_names.clone(),
            inference: cx.inference,
            annotator: self.0.clone(),
            work_dir: cx.work_dir.clone(),
        });
        let method = shared.params.method.as_str();
        let ids = cx.task_ids.clone();
        let total = ids.len() as u64;
        let at_once = shared.params.in_flight();
        cx.log("annotating", json!({ "total": total, "method": method, "concurrency": at_once }));
        // Once the run is cancelled, or the inference action refuses the params' shape, no more
        // tasks start; those started end, and the step fails.
        let stop = ctx.cancellation_token().child_token();
        let refused = stop.clone();
        let mut refusal = None;
        let mut outcomes = futures_util::stream::iter(ids)
            .take_while(move |_| futures_util::future::ready(!stop.is_cancelled()))
            .map(|id| {
                let handle = ctx.spawn(annotate(shared.clone(), id));
                async move { (id, handle.await) }
            })
            .buffer_unordered(at_once);
        let (mut succeeded, mut failures, mut index) = (0u64, Vec::new(), 0u64);
        while let Some((task_id, outcome)) = outcomes.next().await {
            index += 1;
            let failed = match outcome {
                Ok(Ok(())) => None,
                Ok(Err(error)) if refusal.is_none() && is_refusal(&error) => {
                    refused.cancel();
                    let reason = chain_line(&error);
                    refusal = Some(error);
                    Some(reason)
                }
                Ok(Err(error)) => Some(chain_line(&error)),
                Err(join) if join.is_panic() => {
                    Some(format!("its annotation panicked: {}", panic_text(join.into_panic())))
                }
                Err(_) => Some("its annotation was cancelled".to_owned()),
            };
            match failed {
                None => {
                    succeeded += 1;
                    cx.log(
                        "annotate_task_data",
                        json!({
                            "task_id": task_id, "status": "success", "method": method, "index": index, "total": total,
                        }),
                    );
                }
                Some(reason) => {
                    cx.logger().warn(format!("task {task_id} failed: {reason}"));
                    cx.log(
                        "annotate_task_data",
                        json!({
                            "task_id": task_id, "status": "failed", "method": method, "index": index, "total": total,
                            "error": reason,
                        }),
                    );
                    failures.push(TaskFailure { task_id, reason });
                }
            }
            cx.set_progress(index, total);
            let failed = failures.len() as u64;
            let counts = [("success", succeeded), ("failed", failed), ("stand_by", total - index)];
            let metrics: serde_json::Map<String, serde_json::Value> =
                counts.into_iter().map(|(name, count)| (name.to_owned(), count.into())).collect();
            cx.set_metrics(metrics, "annotate_task_data");
        }
        drop(outcomes);
        let state = cx.state();
        state.success_count = succeeded;
        state.failed_count = failures.len() as u64;
        state.failures = failures;
        if let Some(error) = refusal {
            return Err(error);
        }
        if succeeded == 0 && total > 0 {
            return Err(ToTaskError::AllFailed { total, failures: state.failures.clone() }.into());
        }
        cx.check_cancelled()
    }
}

/// Whether `error` is the inference action refusing a task's params.
fn is_refusal(error: &Error) -> bool {
    matches!(error.downcast_ref::<ToTaskError>(), Some(ToTaskError::InferenceParams { .. }))
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(text) => *text,
        Err(payload) => {
            payload.downcast_ref::<&str>().map_or_else(|| "(no message)".to_owned(), |text| (*text).to_owned())
        }
    }
}

/// Annotates task `id`, in its own directory of the run's, removed afterwards.
async fn annotate<A: Annotator>(shared: Arc<Shared<A>>, id: u64) -> Result<()> {
    let dir = shared.work_dir.join(id.to_string());
    let outcome = annotate_in(&shared, id, &dir).await;
    let _ = tokio::fs::remove_dir_all(&dir).await;
    outcome
}

async fn annotate_in<A: Annotator>(shared: &Shared<A>, id: u64, dir: &Path) -> Result<()> {
    let (client, params) = (&shared.client, &shared.params);
    let task = client.get_task(id).await?;
    let files = files::task_files(client, &task).await?;
    let primary = files::primary(&files)?;
    let data = match params.method {
        ToTaskMethod::File => {
            let spec = params.target_specification_name.as_deref().unwrap_or_default();
            let label = files::of_specification(&files, spec)?;
            let label_path = label.download(client, dir).await?;
            let input = FileInput {
                task: &task,
                primary,
                label,
                label_path: &label_path,
                params,
                class_names: &shared.class_names,
                client,
                dir,
            };
            shared.annotator.convert_data_from_file(input).await?
        }
        ToTaskMethod::Inference => {
            let action = shared.inference.ok_or_else(|| Error::msg("no inference action was prepared"))?;
            let primary_path = primary.download(client, dir).await?;
            let others: Vec<TaskFile> = files.iter().filter(|file| !file.is_primary).cloned().collect();
            let input = InferenceInput { task: &task, primary, primary_path: &primary_path, others: &others, params };
            let request = shared.annotator.inference_params(&input)?;
            let output = inference::infer(&shared.ctx, action, id, request).await?;
            if convert::is_empty(&output) {
                return Err(Error::msg(format!(
                    "inference action `{}` returned nothing ({}): nothing to submit",
                    action.name(),
                    convert::shortened(&output)
                )));
            }
            shared.annotator.convert_data_from_inference(output, &task)?
        }
    };
    client.annotate_task(id, &data, params.schema.into()).await?;
    Ok(())
}
