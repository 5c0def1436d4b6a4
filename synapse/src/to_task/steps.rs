//! The pre-annotation workflow's steps (the SDK's, with its names and weights): `initialize`
//! (project, class names, data collection), `prepare` (the method's inputs), `fetch_tasks`,
//! `annotate_task_data` (in `annotate.rs`), `finalize`; and [`to_task_steps`], which lists them
//! for a method.

use super::annotate::AnnotateStep;
use super::{
    Annotator, Inference, PreProcessor, ToTaskError, ToTaskMessage, ToTaskMethod, ToTaskState, convert, inference,
};
use crate::backend::BackendClient;
use crate::context::Context;
use crate::error::Result;
use crate::steps::{Step, StepCx, StepInfo, StepRegistry, StepSpec};
use futures_util::TryStreamExt;
use serde_json::json;

/// Reads the project, its class names and its data collection, and checks that the collection
/// has the `target_specification_name` (weight 0.10).
pub struct InitializeStep;
/// Checks what the method needs: `target_specification_name` (`file`, weight 0.05), or what
/// `pre_processor` names (`inference`, weight 0.20): the inference action, or the plugin
/// release's serve application (deployed first when it is this plugin's and none runs).
pub struct PrepareStep;
/// Lists the tasks of the project matching `task_filters` (weight 0.10).
pub struct FetchTasksStep;
/// Reports the counts (weight 0.05).
pub struct FinalizeStep;

impl StepInfo for InitializeStep {
    const SPEC: StepSpec = StepSpec::new("initialize", 0.10);
}
impl StepInfo for PrepareStep {
    const SPEC: StepSpec = StepSpec::new("prepare", 0.05);
}
impl StepInfo for FetchTasksStep {
    const SPEC: StepSpec = StepSpec::new("fetch_tasks", 0.10);
}
impl StepInfo for FinalizeStep {
    const SPEC: StepSpec = StepSpec::new("finalize", 0.05);
}

/// The steps of a run of `method` before the annotator's changes: `initialize` (10 %) →
/// `prepare` (`file` 5 %, `inference` 20 %) → `fetch_tasks` (10 %) → `annotate_task_data`
/// (`file` 70 %, `inference` 60 %) → `finalize` (5 %). The SDK's `inference` weights sum to
/// 105 %: they are normalized.
///
/// ```
/// use synapse::to_task::{DefaultAnnotator, ToTaskMethod, to_task_steps};
/// let steps = to_task_steps(DefaultAnnotator, ToTaskMethod::File).unwrap();
/// assert_eq!(steps.names(), ["initialize", "prepare", "fetch_tasks", "annotate_task_data", "finalize"]);
/// assert_eq!(
///     steps.plan().to_string(),
///     "initialize 10.0% → prepare 5.0% → fetch_tasks 10.0% → annotate_task_data 70.0% → finalize 5.0%"
/// );
/// let steps = to_task_steps(DefaultAnnotator, ToTaskMethod::Inference).unwrap();
/// assert_eq!(
///     steps.plan().to_string(),
///     "initialize 9.5% → prepare 19.0% → fetch_tasks 9.5% → annotate_task_data 57.1% → finalize 4.8% \
///      (normalized from a weight sum of 1.05)"
/// );
/// ```
///
/// # Errors
/// None for these steps; the registry's errors are those of a change that follows.
pub fn to_task_steps<A: Annotator>(annotator: A, method: ToTaskMethod) -> Result<StepRegistry<ToTaskState>> {
    let mut registry = StepRegistry::new();
    registry
        .register(InitializeStep)?
        .register(PrepareStep)?
        .register(FetchTasksStep)?
        .register(AnnotateStep(annotator))?
        .register(FinalizeStep)?;
    if method == ToTaskMethod::Inference {
        registry.set_weight("prepare", 0.20)?.set_weight("annotate_task_data", 0.60)?;
    }
    Ok(registry)
}

/// The run's backend client.
pub(super) fn client(ctx: &Context) -> Result<BackendClient, ToTaskError> {
    ctx.client().cloned().map_err(|error| ToTaskError::NoBackend { reason: error.to_string() })
}

impl Step<ToTaskState> for InitializeStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ToTaskState>, _: &mut ()) -> Result<()> {
        let client = client(cx.ctx())?;
        let id = cx.params.project;
        cx.set_progress(0, 3);
        let project = client
            .get_project(id)
            .await
            .map_err(|error| ToTaskError::backend(format!("reading project {id}"), error))?;
        let given = cx.params.class_names().map_err(|reason| ToTaskError::Params { reason })?;
        let class_names = match given {
            Some(names) => names,
            None => {
                let classes =
                    project.classes().map_err(|error| ToTaskError::backend(format!("reading project {id}"), error))?;
                let boxes: Vec<String> = classes
                    .iter()
                    .filter(|class| class.tool == "bounding_box")
                    .map(|class| class.code.clone())
                    .collect();
                if boxes.is_empty() { classes.into_iter().map(|class| class.code).collect() } else { boxes }
            }
        };
        cx.set_progress(1, 3);
        let collection = match project.other.get("data_collection").and_then(serde_json::Value::as_u64) {
            Some(collection) => Some(client.get_data_collection(collection).await.map_err(|error| {
                ToTaskError::backend(format!("reading data collection {collection} of project {id}"), error)
            })?),
            None => None,
        };
        let spec = cx.params.target_specification_name.clone();
        match (&collection, cx.params.method, spec) {
            (Some(collection), ToTaskMethod::File, Some(name)) if collection.specification(&name).is_none() => {
                return Err(ToTaskError::SpecificationNotFound {
                    name,
                    collection: collection.id,
                    specifications: collection.file_specifications.iter().map(|spec| spec.name.clone()).collect(),
                }
                .into());
            }
            (None, ToTaskMethod::File, Some(name)) => {
                cx.log_message_code(&ToTaskMessage::NoDataCollection { project: id, specification: name.clone() });
            }
            _ => {}
        }
        cx.log(
            "project_loaded",
            serde_json::json!({
                "project": id, "data_collection": collection.as_ref().map(|c| c.id), "class_names": class_names,
            }),
        );
        cx.set_progress(3, 3);
        let state = cx.state();
        state.project = Some(project);
        state.class_names = class_names;
        state.data_collection = collection;
        Ok(())
    }
}

impl Step<ToTaskState> for PrepareStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ToTaskState>, _: &mut ()) -> Result<()> {
        match cx.params.method {
            ToTaskMethod::File => {
                if cx.params.target_specification_name.as_deref().is_none_or(str::is_empty) {
                    return Err(ToTaskError::Params {
                        reason: "`target_specification_name` is required with `method: file`: the file specification \
                                 of each task's annotation file (`label_1`)"
                            .to_owned(),
                    }
                    .into());
                }
                // A format no file can be read as fails every task alike: refused once, here.
                convert::LabelFormat::given(&cx.params.pre_processor_params)
                    .map_err(|reason| ToTaskError::Params { reason })?;
            }
            ToTaskMethod::Inference => {
                let inference = match cx.params.pre_processor.clone() {
                    None => {
                        return Err(ToTaskError::Params {
                            reason:
                                "`pre_processor` is required with `method: inference`: a plugin release whose serve \
                                     application annotates a task, or the name of an inference action of this plugin"
                                    .to_owned(),
                        }
                        .into());
                    }
                    Some(PreProcessor::Action(name)) => Inference::Action(inference::find_action(cx.ctx(), &name)?),
                    Some(PreProcessor::Release(release)) => served(cx, release).await?,
                };
                let described = match &inference {
                    Inference::Action(action) => json!({ "action": action.name(), "model": cx.params.model }),
                    #[cfg(feature = "serve")]
                    Inference::Served(served) => json!({
                        "serve_application": served.application(),
                        "replicas": served.replicas().iter().map(ToString::to_string).collect::<Vec<_>>(),
                        "model": cx.params.model,
                    }),
                };
                cx.log("inference_action", described);
                cx.state().inference = Some(inference);
            }
        }
        cx.set_progress(1, 1);
        Ok(())
    }
}

impl Step<ToTaskState> for FetchTasksStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ToTaskState>, _: &mut ()) -> Result<()> {
        let client = client(cx.ctx())?;
        let project = cx.params.project;
        let pairs = cx.params.filter_pairs().map_err(|reason| ToTaskError::Params { reason })?;
        // Only the ids are read here (the SDK's `fields=id`); each task is read again when annotated.
        let mut query: Vec<(&str, &str)> = vec![("fields", "id")];
        query
            .extend(pairs.iter().filter(|(key, _)| key != "fields").map(|(key, value)| (key.as_str(), value.as_str())));
        let tasks: Vec<crate::backend::Task> = client
            .list_tasks(project, &query)
            .try_collect()
            .await
            .map_err(|error| ToTaskError::backend(format!("listing the tasks of project {project}"), error))?;
        if tasks.is_empty() {
            let filters = serde_json::Value::Object(cx.params.task_filters.clone()).to_string();
            return Err(ToTaskError::NoTasks { project, filters }.into());
        }
        cx.log("tasks_fetched", serde_json::json!({ "project": project, "count": tasks.len() }));
        cx.set_progress(1, 1);
        cx.state().task_ids = tasks.into_iter().map(|task| task.id).collect();
        Ok(())
    }
}

impl Step<ToTaskState> for FinalizeStep {
    type Undo = ();

    async fn execute(&self, cx: &mut StepCx<'_, ToTaskState>, _: &mut ()) -> Result<()> {
        let message = cx.summary();
        let (success, failed) = (cx.success_count, cx.failed_count);
        if failed > 0 {
            cx.log_message_code(&ToTaskMessage::CompletedWithFailures { success, failed });
        } else {
            cx.log_message_code(&ToTaskMessage::Completed { success, failed });
        }
        cx.set_progress(1, 1);
        cx.state().message = Some(message);
        Ok(())
    }
}

/// The serve application of plugin release `release` ([`super::served::connect`]).
#[cfg(feature = "serve")]
async fn served(cx: &mut StepCx<'_, ToTaskState>, release: u64) -> Result<Inference> {
    let ctx = cx.ctx().clone();
    let client = client(&ctx)?;
    let served = super::served::connect(&ctx, &client, &cx.params, release).await?;
    Ok(Inference::Served(std::sync::Arc::new(served)))
}

/// Without the `serve` feature, a plugin release cannot be asked.
#[cfg(not(feature = "serve"))]
async fn served(_: &mut StepCx<'_, ToTaskState>, release: u64) -> Result<Inference> {
    Err(ToTaskError::Params {
        reason: format!(
            "`pre_processor` {release} is a plugin release, whose serve application needs synapse's `serve` feature \
             in this plugin (or name an inference action of this plugin)"
        ),
    }
    .into())
}
