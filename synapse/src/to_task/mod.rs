//! Pre-annotation: a project's tasks annotated from a file of each task's data unit, or by an
//! inference action of the plugin — the SDK's `ToTaskAction` (`plugins/actions/to_task/`), as
//! one call, [`run_to_task`], on the steps engine:
//!
//! ```text
//! initialize (10 %) ─▶ prepare (5 % | 20 %) ─▶ fetch_tasks (10 %) ─▶ annotate_task_data (70 % | 60 %) ─▶ finalize (5 %)
//! project, class       the spec named, or        GET sdk/tasks/       per task, `concurrency` at once:        the counts
//! names, data          the inference action      ?project=&<filters>  GET tasks/{id}/?expand=data_unit,
//! collection           found                                          file → DM v1 | inference → DM v1,
//!                                                                     PUT tasks/{id}/annotate_task_data/
//! ```
//!
//! (`file` | `inference` weights.) With `method: file`, each task's file of
//! `target_specification_name` is downloaded and read as YOLO (class ids index
//! `pre_processor_params.class_names`, else the project's `bounding_box` classes; pixels from the
//! primary image's size), COCO or DM v1/v2 ([`crate::formats`]); with `method: inference`, the
//! task's primary file (downloaded) is inferred by what `pre_processor` names ([`PreProcessor`]):
//! an inference action of this plugin, run in this process, or — a plugin release id, as the
//! SDK's — that plugin's serve application (with the `serve` feature: the newest `RUNNING` one
//! whose replicas answer; when none does and the release is this plugin's, its `deployment`
//! action is run first with `pre_processor_params.deployment`), asked with the run's `model`;
//! its predictions (DM v2 or v1) are converted. Either way the result is submitted as DM v1
//! (`?schema=` from `schema`). The conversions are hooks of an [`Annotator`]
//! ([`DefaultAnnotator`] keeps every default); an author changes the steps through
//! [`Annotator::steps`], as the SDK's `setup_steps`.
//!
//! ```no_run
//! use synapse::prelude::*;
//! use synapse::to_task::{DefaultAnnotator, ToTaskParams, ToTaskResult, run_to_task};
//!
//! /// Annotates a project's tasks from their YOLO label files.
//! #[action(name = "pre_annotate_labels", category = PreAnnotation, method = Job)]
//! pub struct PreAnnotate;
//!
//! impl Action for PreAnnotate {
//!     type Params = ToTaskParams;
//!     type Output = ToTaskResult;
//!
//!     async fn execute(&self, params: ToTaskParams, ctx: &Context) -> Result<ToTaskResult> {
//!         Ok(run_to_task(ctx, params, &DefaultAnnotator).await?)
//!     }
//! }
//! ```
//!
//! Each task is reported by an `annotate_task_data` event `{task_id, status: success|failed,
//! method, index, total, error?}` (`index`: the order it finished in), the step's progress and
//! its metrics `{success, failed, stand_by}`.
//!
//! # Bad input
//!
//! | input | outcome |
//! |---|---|
//! | `method: file` without `target_specification_name` | a params violation at `$.target_specification_name`, before the run |
//! | a `target_specification_name` the project's data collection does not have | [`ToTaskError::SpecificationNotFound`] at `initialize`, listing the collection's specifications |
//! | `method: inference` without `pre_processor`, or naming no action of the plugin | [`ToTaskError::Params`], [`ToTaskError::UnknownInferenceAction`] (listing the actions) at `prepare` |
//! | a plugin release as `pre_processor` without `model`, or in a build without `serve` | [`ToTaskError::Params`] at `prepare` |
//! | a release of another plugin with no serve application whose replicas answer, or of this plugin without a `deployment` action | [`ToTaskError::NoServeApplication`], listing the applications seen and why each was passed over |
//! | this plugin's `deployment` action failing (no Ray address, a replica that does not start) | [`ToTaskError::Deployment`] with its error |
//! | a serve application whose input is not what pre-annotation sends | [`ToTaskError::ServedParams`] (422, each field path) at the first task: the run stops |
//! | a project that does not exist | [`ToTaskError::Backend`] (404 `projects/{id}/`) at `initialize` |
//! | no task matching the filters | [`ToTaskError::NoTasks`] naming the project and the filters |
//! | a task without the file, a label line that does not read (naming file and line), a class id outside the class names, an image whose size does not read | that task's [`TaskFailure`]; the others go on |
//! | an inference action or a replica that fails, or returns nothing; a replica that does not answer | that task's [`TaskFailure`] |
//! | the backend refusing one task's annotation (a 400, a 500 after the client's retries) | that task's [`TaskFailure`], naming the request and the status |
//! | every task failing | [`ToTaskError::AllFailed`] with every failure |
//!
//! Needs the `to_task` feature.
//!
//! | file | holds |
//! |---|---|
//! | `params.rs` | [`ToTaskParams`], [`ToTaskMethod`], [`TaskSchema`] |
//! | `annotator.rs` | [`Annotator`], [`DefaultAnnotator`], [`FileInput`], [`InferenceInput`], [`InferenceRequest`] |
//! | `steps.rs` | `initialize`, `prepare`, `fetch_tasks`, `finalize`, and [`to_task_steps`] |
//! | `annotate.rs` | `annotate_task_data`: the tasks annotated concurrently, their failures recorded |
//! | `files.rs` | [`TaskFile`]: a task's files, the primary one, one of a specification, downloaded |
//! | `convert.rs` | the default conversions: YOLO, COCO, DM files and DM predictions to DM v1 |
//! | `inference.rs` | [`Inference`]: the inference action found in the registry and run in this process, or a serve application |
//! | `served.rs` | [`ServedInference`]: a plugin release's serve application found (or deployed) and asked per task (`serve`) |
//! | `state.rs` | [`ToTaskState`], [`ToTaskResult`] |
//! | `error.rs` | [`ToTaskError`], [`TaskFailure`] |

mod annotate;
mod annotator;
mod convert;
mod error;
mod files;
mod inference;
mod messages;
mod params;
#[cfg(feature = "serve")]
mod served;
mod state;
mod steps;

pub use annotate::AnnotateStep;
pub use annotator::{Annotator, DefaultAnnotator, FileInput, InferenceFile, InferenceInput, InferenceRequest};
pub use error::{TaskFailure, ToTaskError};
pub use files::TaskFile;
pub use inference::Inference;
pub use messages::ToTaskMessage;
pub use params::{DEFAULT_CONCURRENCY, PreProcessor, TaskSchema, ToTaskMethod, ToTaskParams};
#[cfg(feature = "serve")]
pub use served::{DEPLOYMENT_ACTION, ServedInference};
pub use state::{ToTaskResult, ToTaskState};
pub use steps::{FetchTasksStep, FinalizeStep, InitializeStep, PrepareStep, to_task_steps};

use crate::context::Context;
use crate::steps::WorkflowError;

/// Runs a pre-annotation: the workflow of the [module documentation](self) with `annotator`'s
/// hooks and step changes, the run's backend client ([`Context::client`]), reporting to `ctx`.
/// Files are downloaded into `<temp>/synapse-to_task/<run id>/`, removed when it ends.
///
/// # Errors
/// [`ToTaskError`]: each kind of bad input, as the module documentation lists; a step an author
/// added, a panic or cancellation as [`ToTaskError::Step`].
pub async fn run_to_task<A: Annotator>(
    ctx: &Context,
    params: ToTaskParams,
    annotator: &A,
) -> Result<ToTaskResult, ToTaskError> {
    let mut steps =
        to_task_steps(annotator.clone(), params.method).map_err(|source| ToTaskError::StepChanges { source })?;
    annotator.steps(&mut steps).map_err(|source| ToTaskError::StepChanges { source })?;
    let mut state = ToTaskState::new(params, ctx);
    let outcome = steps.orchestrator().run(ctx, &mut state).await;
    let _ = std::fs::remove_dir_all(&state.work_dir);
    match outcome {
        Ok(_) => Ok(state.result()),
        Err(error) => Err(from_workflow(error)),
    }
}

/// The error of a failed workflow: a step's own [`ToTaskError`], else the step's failure.
fn from_workflow(error: WorkflowError) -> ToTaskError {
    let WorkflowError { step, kind, cause, .. } = error;
    match cause.downcast::<ToTaskError>() {
        Ok(error) => error,
        Err(source) => ToTaskError::Step { step, kind, source },
    }
}
