//! Pre-annotation by inference (`synapse::to_task`, `method: inference`): an inference action of
//! this test binary runs in process on each task's downloaded primary image, its predictions
//! (DM v2) are stored as DM v1; an inference that fails, or returns nothing, fails its task
//! alone; a `pre_processor` naming no action is refused before any task is read, and one whose
//! params are of another shape stops the run at its first refusal.

use serde_json::{Value, json};
use synapse::params::Params;
use synapse::prelude::*;
use synapse::steps::FailureKind;
use synapse::to_task::{DefaultAnnotator, InferenceRequest, PreProcessor, ToTaskError, ToTaskParams, run_to_task};
use synapse_tests::dev_backend::start as backend;
use synapse_tests::to_task::{context, dm_v1, seed_project, stored, task_events, task_ids, without_ids};

/// One box over the whole image, of class `options.class`; fails for the tasks listed in
/// `options.fail`, answers `{}` for those in `options.empty`.
#[action(name = "whole_image_box", category = NeuralNet)]
pub struct WholeImageBox;

impl Action for WholeImageBox {
    type Params = InferenceRequest;
    type Output = Value;

    async fn execute(&self, params: InferenceRequest, _: &Context) -> Result<Value> {
        let listed = |key: &str| {
            params.options.get(key).and_then(Value::as_array).is_some_and(|ids| ids.contains(&json!(params.task)))
        };
        if listed("fail") {
            return Err(Error::msg(format!("no model for task {}", params.task)));
        }
        if listed("empty") {
            return Ok(json!({}));
        }
        if let Some(millis) = params.options.get("sleep_ms").and_then(Value::as_u64) {
            tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
        }
        let (width, height) = image::image_dimensions(&params.path)?;
        let class = params.options.get("class").cloned().unwrap_or(json!("car"));
        Ok(
            json!({"images": [{"bounding_box": [{"id": "whole", "classification": class, "attrs": [], "data": [0, 0, width, height]}]}]}),
        )
    }
}

/// The params of an action that is no inference action.
#[params]
#[derive(Debug)]
pub struct CaptionParams {
    /// The caption to write.
    pub caption: String,
}

/// An action of another shape: it takes a caption, not an `InferenceRequest`.
#[action(name = "write_caption", category = NeuralNet)]
pub struct WriteCaption;

impl Action for WriteCaption {
    type Params = CaptionParams;
    type Output = Value;

    async fn execute(&self, params: CaptionParams, _: &Context) -> Result<Value> {
        Ok(json!({"caption": params.caption}))
    }
}

fn params(project: &Value, options: Value) -> ToTaskParams {
    ToTaskParams::parse(json!({
        "name": "boxes", "project": project, "method": "inference", "pre_processor": "whole_image_box",
        "model": 7, "pre_processor_params": options,
    }))
    .expect("params")
}

#[tokio::test]
async fn each_task_is_annotated_with_the_inference_actions_predictions() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 5, true, &[]).await;
    let tasks = task_ids(&seeded);
    let (ctx, memory) = context(&backend, "pre_annotate");
    let options = json!({"class": "person", "fail": [tasks[1]], "empty": [tasks[3]]});
    let result = run_to_task(&ctx, params(&seeded["project"], options), &DefaultAnnotator).await.expect("annotated");
    assert_eq!((result.total_tasks, result.success_count, result.failed_count), (5, 3, 2));
    let reason =
        |task: u64| result.failures.iter().find(|f| f.task_id == task).map(|f| f.reason.clone()).expect("a failure");
    assert_eq!(reason(tasks[1]), format!("inference action `whole_image_box` failed: no model for task {}", tasks[1]));
    assert_eq!(reason(tasks[3]), "inference action `whole_image_box` returned nothing ({}): nothing to submit");
    let whole = dm_v1(&[("person".to_owned(), json!(0), json!(0), json!(48), json!(32))]);
    for (index, task) in tasks.iter().enumerate() {
        let data = stored(&backend, *task).await;
        if index == 1 || index == 3 {
            assert_eq!(data, Value::Null, "task {task}");
        } else {
            assert_eq!(without_ids(data), whole, "task {task}");
        }
    }
    let events = task_events(&memory);
    assert_eq!(events.len(), 5);
    assert!(events.iter().all(|e| e["method"] == "inference" && e["total"] == 5));
    assert_eq!(events.iter().filter(|e| e["status"] == "failed").count(), 2);
}

#[tokio::test]
async fn an_inference_action_that_does_not_exist_is_refused_before_the_tasks_are_read() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 1, false, &[]).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let mut given = params(&seeded["project"], json!({}));
    given.pre_processor = Some(PreProcessor::Action("no_such_action".to_owned()));
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::UnknownInferenceAction { name, available, .. } = &error else { panic!("{error}") };
    assert_eq!(name, "no_such_action");
    assert!(available.iter().any(|action| action == "whole_image_box"), "{error}");
    let state = synapse_tests::dev_backend::state(&backend).await;
    assert_eq!(state["requests"]["GET /projects/{id}/"], 1, "the project was read: {}", state["requests"]);
    assert_eq!(state["requests"].get("GET /sdk/tasks/"), None, "no task was listed");

    let mut given = params(&seeded["project"], json!({}));
    given.pre_processor = Some(PreProcessor::Action("whole_image_boxes".to_owned()));
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    assert!(error.to_string().ends_with("; did you mean `whole_image_box`?"), "{error}");

    // A release id written as a string is read as an action's name: the error says how to write it.
    let mut given = params(&seeded["project"], json!({}));
    given.pre_processor = Some(PreProcessor::Action("12".to_owned()));
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    assert!(error.to_string().ends_with("not a string: `\"pre_processor\": 12`"), "{error}");

    let mut given = params(&seeded["project"], json!({}));
    given.pre_processor = None;
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    assert!(error.to_string().starts_with("`pre_processor` is required with `method: inference`"), "{error}");
}

#[tokio::test]
async fn a_cancelled_run_starts_no_more_tasks_and_fails_as_cancelled() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 12, false, &[]).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let mut given = params(&seeded["project"], json!({"sleep_ms": 40}));
    given.concurrency = Some(1);
    let token = ctx.cancellation_token().clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        token.cancel();
    });
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::Step { step, kind, .. } = &error else { panic!("{error}") };
    assert_eq!((step.as_str(), *kind), ("annotate_task_data", FailureKind::Cancelled), "{error}");
    let mut annotated = 0;
    for task in task_ids(&seeded) {
        if stored(&backend, task).await != Value::Null {
            annotated += 1;
        }
    }
    assert!(annotated < 12, "the tasks after the cancellation were not started ({annotated} annotated)");
}

#[tokio::test]
async fn an_action_of_another_shape_stops_the_run_at_its_first_refusal() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 6, false, &[]).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let mut given = params(&seeded["project"], json!({}));
    given.pre_processor = Some(PreProcessor::Action("write_caption".to_owned()));
    let error = run_to_task(&ctx, given, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::InferenceParams { action, task_id, violations } = &error else { panic!("{error}") };
    assert_eq!((action.as_str(), *task_id), ("write_caption", task_ids(&seeded)[0]), "{error}");
    assert_eq!(violations.iter().next().map(|v| v.path.as_str()), Some("$.caption"), "{error}");
    assert!(error.to_string().contains("synapse::to_task::InferenceRequest"), "{error}");
    let state = synapse_tests::dev_backend::state(&backend).await;
    assert_eq!(
        state["requests"]["GET /tasks/{id}/"], 1,
        "one task was read, not six (8 at once): {}",
        state["requests"]
    );
}

#[test]
fn batch_size_is_the_number_in_flight_unless_concurrency_is_given() {
    let with = |extra: Value| {
        let mut given = json!({"name": "boxes", "project": 1, "method": "inference", "pre_processor": "p"});
        given.as_object_mut().expect("an object").extend(extra.as_object().expect("an object").clone());
        ToTaskParams::parse(given).expect("params").in_flight()
    };
    assert_eq!(with(json!({})), synapse::to_task::DEFAULT_CONCURRENCY as usize);
    assert_eq!(with(json!({"batch_size": 1})), 8);
    assert_eq!(with(json!({"batch_size": 20})), 20);
    assert_eq!(with(json!({"batch_size": 20, "concurrency": 2})), 2);
    let refused = ToTaskParams::parse(json!({"name": "b", "project": 1, "method": "inference", "concurrency": 0}));
    assert_eq!(refused.unwrap_err().iter().next().map(|v| v.path.clone()), Some("$.concurrency".to_owned()));
}
