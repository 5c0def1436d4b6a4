//! The `annotate_task_data` step: every task read, converted (from its file or by inference)
//! and submitted, `concurrency` at a time; each task's failure recorded and reported, the
//! others going on.

use super::files::{self, TaskFile};
use super::{Annotator, FileInput, InferenceInput, TaskFailure, ToTaskError, ToTaskMethod, ToTaskParams, ToTaskState};
use super::{Inference, convert};
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
    inference: Option<Inference>,
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
            inference: cx.inference.clone(),
            annotator: self.0.clone(),
            work_dir: cx.work_dir.clone(),
        });
        let method = shared.params.method.as_str();
        let ids = cx.task_ids.clone();
        let total = ids.len() as u64;
        let at_once = shared.params.in_flight();
        cx.log("annotating", json!({ "total": total, "method": method, "concurrency": at_once }));
        // Once the run is cancelled, or the inference action refuses the params' shape, no more
        // tasks start; those started end, and the step fails. With an inference action the first
        // task runs alone: params of a shape it refuses stop the run at one task.
        let stop = ctx.cancellation_token().child_token();
        let (refused, starting) = (stop.clone(), stop.clone());
        let mut refusal = None;
        let first_alone = shared.params.method == ToTaskMethod::Inference;
        let (gate, opened) = tokio::sync::watch::channel(!first_alone);
        let mut outcomes = futures_util::stream::iter(ids.into_iter().enumerate())
            .take_while(move |_| futures_util::future::ready(!stop.is_cancelled()))
            .map(|(position, id)| {
                let (shared, ctx, starting, mut opened) =
                    (shared.clone(), ctx.clone(), starting.clone(), opened.clone());
                async move {
                    if position > 0 && opened.wait_for(|open| *open).await.is_err() || starting.is_cancelled() {
                        return (id, None);
                    }
                    (id, Some(ctx.spawn(annotate(shared, id)).await))
                }
            })
            .buffer_unordered(at_once);
        let (mut succeeded, mut failures, mut index) = (0u64, Vec::new(), 0u64);
        while let Some((task_id, outcome)) = outcomes.next().await {
            // Not started: the run stopped before its turn.
            let Some(outcome) = outcome else {
                let _ = gate.send(true);
                continue;
            };
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
            let _ = gate.send(true);
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

/// Whether `error` is the inference action (or the serve application) refusing a task's params.
fn is_refusal(error: &Error) -> bool {
    matches!(
        error.downcast_ref::<ToTaskError>(),
        Some(ToTaskError::InferenceParams { .. } | ToTaskError::ServedParams { .. })
    )
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
            let inference = shared.inference.as_ref().ok_or_else(|| Error::msg("no inference was prepared"))?;
            let primary_path = primary.download(client, dir).await?;
            let others: Vec<TaskFile> = files.iter().filter(|file| !file.is_primary).cloned().collect();
            let input = InferenceInput { task: &task, primary, primary_path: &primary_path, others: &others, params };
            let request = shared.annotator.inference_params(&input)?;
            let output = inference.infer(&shared.ctx, id, request).await?;
            if convert::is_empty(&output) {
                return Err(Error::msg(format!(
                    "{} returned nothing ({}): nothing to submit",
                    inference.describe(),
                    convert::shortened(&output)
                )));
            }
            shared.annotator.convert_data_from_inference(output, &task)?
        }
    };
    client.annotate_task(id, &data, params.schema.into()).await?;
    Ok(())
}
