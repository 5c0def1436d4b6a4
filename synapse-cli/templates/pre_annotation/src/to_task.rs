//! `to_task`: the SDK's to-task workflow (`synapse::to_task`): a project's tasks annotated from
//! their label files (`method: file`: YOLO, COCO or DM) or with an inference action of this
//! plugin (`method: inference`, `pre_processor: "pre_annotate"`), or a serve deployment.

use synapse::prelude::*;
use synapse::to_task::{DefaultAnnotator, ToTaskParams, ToTaskResult, run_to_task};

/// Annotates a project's tasks.
#[action(name = "to_task", method = Job, category = PreAnnotation)]
pub struct ToTask;

impl Action for ToTask {
    type Params = ToTaskParams;
    type Output = ToTaskResult;

    async fn execute(&self, params: ToTaskParams, ctx: &Context) -> Result<ToTaskResult> {
        Ok(run_to_task(ctx, params, &DefaultAnnotator).await?)
    }
}
