//! What the pre-annotation steps share ([`ToTaskState`]) and the action's result
//! ([`ToTaskResult`]).

use super::{Inference, TaskFailure, ToTaskParams};
use crate::backend::{DataCollection, Project};
use crate::context::Context;
use std::path::PathBuf;

/// The state the pre-annotation steps share: the params, and what each step found. A step an
/// author inserts works on it too (`impl Step<ToTaskState> for MyStep`).
#[derive(Debug)]
pub struct ToTaskState {
    /// The params.
    pub params: ToTaskParams,
    /// The project (`initialize`).
    pub project: Option<Project>,
    /// The project's data collection (`initialize`), when the project names one.
    pub data_collection: Option<DataCollection>,
    /// The class names YOLO class ids index: `pre_processor_params.class_names`, else the
    /// project's `bounding_box` classes in schema order (`initialize`).
    pub class_names: Vec<String>,
    /// What infers each task (`prepare`, `method: inference`).
    pub inference: Option<Inference>,
    /// The tasks to annotate, by id (`fetch_tasks`).
    pub task_ids: Vec<u64>,
    /// The tasks annotated (`annotate_task_data`).
    pub success_count: u64,
    /// The tasks that failed.
    pub failed_count: u64,
    /// Why each failed, in the order they finished.
    pub failures: Vec<TaskFailure>,
    /// The run's own directory for downloaded files: `<temp>/synapse-to_task/<run id>/`, removed
    /// when the run ends.
    pub work_dir: PathBuf,
    /// The summary `finalize` wrote.
    pub message: Option<String>,
}

impl ToTaskState {
    /// The state a run of `ctx` with `params` starts from.
    pub fn new(params: ToTaskParams, ctx: &Context) -> Self {
        ToTaskState {
            params,
            project: None,
            data_collection: None,
            class_names: Vec::new(),
            inference: None,
            task_ids: Vec::new(),
            success_count: 0,
            failed_count: 0,
            failures: Vec::new(),
            work_dir: std::env::temp_dir().join("synapse-to_task").join(ctx.run_id().as_str()),
            message: None,
        }
    }

    /// The summary of the counts: `to_task completed. success=9, failed=1` (the SDK's message).
    pub fn summary(&self) -> String {
        format!("to_task completed. success={}, failed={}", self.success_count, self.failed_count)
    }

    /// The action's result.
    pub fn result(&self) -> ToTaskResult {
        ToTaskResult {
            status: "SUCCEEDED".to_owned(),
            message: self.message.clone().unwrap_or_else(|| self.summary()),
            total_tasks: self.task_ids.len() as u64,
            success_count: self.success_count,
            failed_count: self.failed_count,
            failures: self.failures.clone(),
        }
    }
}

/// What a pre-annotation action returns: the SDK's `ToTaskResult`.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct ToTaskResult {
    /// `SUCCEEDED` (a run where every task failed is an error)
    pub status: String,
    /// `to_task completed. success=<n>, failed=<n>`
    pub message: String,
    /// The tasks that matched the filters
    pub total_tasks: u64,
    /// The tasks annotated
    pub success_count: u64,
    /// The tasks that failed
    pub failed_count: u64,
    /// Why each failed, by task, in the order they finished
    pub failures: Vec<TaskFailure>,
}
