//! Pre-annotation from each task's YOLO label file (`synapse::to_task`, `method: file`) against
//! the dev backend: the stored annotations equal the seeded boxes as DM v1, a task without its
//! label, with a bad label line or whose submission fails is a recorded failure while the others
//! are annotated, and the runs that cannot start (no matching task, no target specification,
//! every task failing) are typed errors.

use serde_json::json;
use synapse::EventKind;
use synapse::params::Params;
use synapse::to_task::{DefaultAnnotator, ToTaskError, ToTaskParams, run_to_task};
use synapse_tests::dev_backend::{self, start as backend};
use synapse_tests::to_task::{context, expected, seed_project, stored, task_events, task_ids, without_ids};

fn params(project: &serde_json::Value, more: serde_json::Value) -> ToTaskParams {
    let mut value = json!({"name": "labels", "project": project, "target_specification_name": "label_1"});
    for (key, given) in more.as_object().expect("an object") {
        value[key] = given.clone();
    }
    ToTaskParams::parse(value).expect("params")
}

#[tokio::test]
async fn every_task_is_annotated_from_its_label_but_the_one_without() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 6, true, &[2]).await;
    let tasks = task_ids(&seeded);
    let (ctx, memory) = context(&backend, "pre_annotate");
    // No class_names: the class ids index the project's class schema.
    let result = run_to_task(&ctx, params(&seeded["project"], json!({"concurrency": 3})), &DefaultAnnotator)
        .await
        .expect("annotated");
    assert_eq!(
        (result.status.as_str(), result.total_tasks, result.success_count, result.failed_count),
        ("SUCCEEDED", 6, 5, 1)
    );
    assert_eq!(result.message, "to_task completed. success=5, failed=1");
    assert_eq!(result.failures[0].task_id, tasks[2]);
    assert!(result.failures[0].reason.contains("no `label_1` file"), "{}", result.failures[0].reason);
    for (index, task) in tasks.iter().enumerate() {
        let data = stored(&backend, *task).await;
        if index == 2 {
            assert_eq!(data, serde_json::Value::Null, "the task without a label is left as it was");
        } else {
            assert_eq!(without_ids(data), expected(&seeded, *task), "task {task}");
        }
    }
    let events = task_events(&memory);
    assert_eq!(events.len(), 6);
    let mut indices: Vec<u64> = events.iter().map(|e| e["index"].as_u64().expect("index")).collect();
    indices.sort_unstable();
    assert_eq!(indices, [1, 2, 3, 4, 5, 6]);
    assert!(events.iter().all(|e| e["total"] == 6 && e["method"] == "file"));
    let failed: Vec<_> = events.iter().filter(|e| e["status"] == "failed").collect();
    assert_eq!((failed.len(), failed[0]["task_id"].as_u64()), (1, Some(tasks[2])));
    assert!(failed[0]["error"].as_str().is_some_and(|e| e.contains("label_1")));
    // The overall progress reached the end, the workflow's steps were the SDK's.
    let kinds = memory.kinds();
    let planned = kinds.iter().find_map(|k| match k {
        EventKind::WorkflowStarted { steps, .. } => Some(steps.iter().map(|s| s.name.clone()).collect::<Vec<_>>()),
        _ => None,
    });
    assert_eq!(
        planned.expect("a workflow"),
        ["initialize", "prepare", "fetch_tasks", "annotate_task_data", "finalize"]
    );
}

#[tokio::test]
async fn a_bad_label_line_fails_its_task_naming_the_file_and_line() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 3, true, &[]).await;
    let tasks = task_ids(&seeded);
    let label = seeded["labels"][1]["url"].as_str().expect("a label URL");
    let key = label.split("/media/").nth(1).expect("a media key");
    let put = reqwest::Client::new().put(format!("{}_dev/media/{key}", backend.url())).body("0 0.5 0.5\n").send().await;
    assert!(put.expect("stored").status().is_success());
    let (ctx, _) = context(&backend, "pre_annotate");
    let given = json!({"pre_processor_params": {"class_names": ["car", "person"]}});
    let result = run_to_task(&ctx, params(&seeded["project"], given), &DefaultAnnotator).await.expect("annotated");
    assert_eq!((result.success_count, result.failed_count), (2, 1));
    let failure = &result.failures[0];
    assert_eq!(failure.task_id, tasks[1]);
    assert!(
        failure.reason.contains("task_0002.txt:1: expected `class cx cy w h`, found 3 fields"),
        "{}",
        failure.reason
    );
    assert_eq!(stored(&backend, tasks[1]).await, serde_json::Value::Null);
    assert_eq!(without_ids(stored(&backend, tasks[2]).await), expected(&seeded, tasks[2]));
}

#[tokio::test]
async fn a_failing_submission_fails_that_task_alone() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 4, true, &[]).await;
    let tasks = task_ids(&seeded);
    let path = format!("tasks/{}/annotate_task_data/", tasks[3]);
    dev_backend::fault(&backend, json!({"method": "PUT", "path_glob": path, "status": 500})).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let result = run_to_task(&ctx, params(&seeded["project"], json!({})), &DefaultAnnotator).await.expect("annotated");
    assert_eq!((result.success_count, result.failed_count), (3, 1));
    let failure = &result.failures[0];
    assert_eq!(failure.task_id, tasks[3]);
    assert!(failure.reason.contains(&path) && failure.reason.contains("500"), "{}", failure.reason);
    for task in &tasks[..3] {
        assert_eq!(without_ids(stored(&backend, *task).await), expected(&seeded, *task));
    }
}

#[tokio::test]
async fn no_task_matching_the_filters_is_an_error_naming_them() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 2, true, &[]).await;
    // The backend's listing finds nothing for these filters.
    let empty = json!({"count": 0, "next": null, "previous": null, "results": []}).to_string();
    dev_backend::fault(&backend, json!({"method": "GET", "path_glob": "sdk/tasks/", "body": empty})).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let given = json!({"task_filters": {"status": "done"}});
    let error = run_to_task(&ctx, params(&seeded["project"], given), &DefaultAnnotator).await.unwrap_err();
    assert!(matches!(&error, ToTaskError::NoTasks { project, .. } if json!(project) == seeded["project"]), "{error}");
    assert!(error.to_string().contains(r#"{"status":"done"}"#), "{error}");
}

#[tokio::test]
async fn every_task_failing_is_an_error_carrying_each_failure() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 2, true, &[0, 1]).await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let error = run_to_task(&ctx, params(&seeded["project"], json!({})), &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::AllFailed { total, failures } = &error else { panic!("not every task failed: {error}") };
    assert_eq!((*total, failures.len()), (2, 2));
    let mut failed: Vec<u64> = failures.iter().map(|f| f.task_id).collect();
    failed.sort_unstable();
    assert_eq!(failed, task_ids(&seeded));
    assert!(error.to_string().starts_with("every one of the 2 tasks failed"), "{error}");
}

#[tokio::test]
async fn a_project_that_does_not_exist_is_named() {
    let backend = backend().await;
    let (ctx, _) = context(&backend, "pre_annotate");
    let error = run_to_task(&ctx, params(&json!(9999), json!({})), &DefaultAnnotator).await.unwrap_err();
    assert!(matches!(error, ToTaskError::Backend { .. }), "{error}");
    assert!(error.to_string().starts_with("reading project 9999: "), "{error}");
}

#[test]
fn file_without_a_target_specification_is_refused_before_the_run() {
    let error = ToTaskParams::parse(json!({"name": "labels", "project": 3})).unwrap_err();
    let violations: Vec<_> = error.iter().collect();
    assert_eq!(violations.len(), 1, "{error}");
    assert_eq!(
        (violations[0].path.as_str(), violations[0].constraint.as_str()),
        ("$.target_specification_name", "required")
    );
    let error = ToTaskParams::parse(json!({"name": "labels", "project": 3, "method": "file"})).unwrap_err();
    assert_eq!(error.iter().next().map(|v| v.path.as_str()), Some("$.target_specification_name"));
    // Inference needs no specification; a batch below 1 is refused at its field.
    assert!(ToTaskParams::parse(json!({"name": "boxes", "project": 3, "method": "inference"})).is_ok());
    let error = ToTaskParams::parse(
        json!({"name": "labels", "project": 3, "target_specification_name": "label_1", "batch_size": 0}),
    )
    .unwrap_err();
    assert_eq!(error.iter().next().map(|v| v.path.as_str()), Some("$.batch_size"));
}

#[tokio::test]
async fn coco_and_dm_label_files_are_read_by_their_content() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 3, true, &[]).await;
    let tasks = task_ids(&seeded);
    let truth = |task: u64| -> Vec<serde_json::Value> {
        seeded["boxes"].as_array().expect("boxes").iter().filter(|b| b["task"] == task).cloned().collect()
    };
    // Task 1: a COCO instances file naming its image (beside another image), task 2: DM v2,
    // task 3: DM v1 as the backend stores it.
    let categories = json!([{"id": 1, "name": "car"}, {"id": 2, "name": "person"}]);
    let annotations: Vec<_> = truth(tasks[0])
        .iter()
        .enumerate()
        .map(|(n, b)| {
            json!({"id": n + 1, "image_id": 2, "category_id": b["class_index"].as_u64().expect("index") + 1,
                             "bbox": [b["x"], b["y"], b["width"], b["height"]], "area": 1, "iscrowd": 0})
        })
        .collect();
    let coco = json!({"images": [{"id": 1, "file_name": "other.png", "width": 48, "height": 32},
                                 {"id": 2, "file_name": "task_0001.png", "width": 48, "height": 32}],
                      "annotations": annotations, "categories": categories});
    let boxes: Vec<_> = truth(tasks[1])
        .iter()
        .map(|b| json!({"classification": b["class"], "attrs": [], "data": [b["x"], b["y"], b["width"], b["height"]]}))
        .collect();
    let dm_v2 = json!({"classification": {"bounding_box": ["car", "person"]}, "images": [{"bounding_box": boxes}]});
    let dm_v1 = expected(&seeded, tasks[2]);
    for (at, document) in [coco, dm_v2, dm_v1.clone()].into_iter().enumerate() {
        let label = seeded["labels"][at]["url"].as_str().expect("a label URL");
        let key = label.split("/media/").nth(1).expect("a media key");
        let put = reqwest::Client::new().put(format!("{}_dev/media/{key}", backend.url())).body(document.to_string());
        assert!(put.send().await.expect("stored").status().is_success());
    }
    let (ctx, _) = context(&backend, "pre_annotate");
    let result = run_to_task(&ctx, params(&seeded["project"], json!({})), &DefaultAnnotator).await.expect("annotated");
    assert_eq!((result.success_count, result.failed_count), (3, 0), "{:?}", result.failures);
    for task in &tasks {
        assert_eq!(without_ids(stored(&backend, *task).await), expected(&seeded, *task), "task {task}");
    }
    // The DM v1 file is submitted as it is, its ids kept.
    assert_eq!(stored(&backend, tasks[2]).await, dm_v1);
}

#[tokio::test]
async fn a_target_specification_the_data_collection_lacks_is_refused_naming_its_specifications() {
    let backend = backend().await;
    // The seeded project's data collection has image_1 and label_1.
    let seeded = seed_project(&backend, 1, true, &[]).await;
    let (ctx, memory) = context(&backend, "pre_annotate");
    let asked = params(&seeded["project"], json!({"target_specification_name": "label_9"}));
    let error = run_to_task(&ctx, asked, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::SpecificationNotFound { name, specifications, .. } = &error else { panic!("{error}") };
    assert_eq!((name.as_str(), specifications.clone()), ("label_9", vec!["image_1".to_owned(), "label_1".to_owned()]));
    assert!(task_events(&memory).is_empty(), "no task was annotated");
    let result = run_to_task(&ctx, params(&seeded["project"], json!({})), &DefaultAnnotator).await.expect("annotated");
    assert_eq!(result.success_count, 1);
}

#[tokio::test]
async fn a_label_format_no_file_can_be_read_as_is_refused_once_before_the_tasks_are_read() {
    let backend = backend().await;
    let seeded = seed_project(&backend, 3, true, &[]).await;
    let (ctx, memory) = context(&backend, "pre_annotate");
    let asked = params(&seeded["project"], json!({"pre_processor_params": {"format": "yolov8"}}));
    let error = run_to_task(&ctx, asked, &DefaultAnnotator).await.unwrap_err();
    let ToTaskError::Params { reason } = &error else { panic!("{error}") };
    assert_eq!(
        reason,
        "`pre_processor_params.format` is \"yolov8\": it is one of yolo, coco, dm_v1, dm_v2; did you mean yolo?"
    );
    assert!(task_events(&memory).is_empty(), "no task was annotated");
    let state = synapse_tests::dev_backend::state(&backend).await;
    assert_eq!(state["requests"].get("GET /sdk/tasks/"), None, "no task was listed: {}", state["requests"]);
}
