//! The data_ops plugin's `export_coco` (`synapse::export` with the example's COCO exporter): a
//! seeded ground-truth version exported to COCO and compared exactly with the seed's truth, with
//! an event per file of each item; a missing original recorded as the item's failure while the
//! others export; a failed save removing the export directory; a filter without its required key
//! refused before the run; tasks and assignments through the default exporter; and the plugin
//! binary, locally and in a child process.

use data_ops::export::{COCO_FILE, CocoExporter};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use synapse::events::sink::MemorySink;
use synapse::export::{
    DefaultExporter, ExportDir, ExportError, ExportParams, ExportResult, Exporter, FileKind, run_export,
};
use synapse::formats::coco::CocoInstances;
use synapse::prelude::*;
use synapse::{EventKind, PluginEnvironment};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick, start as backend};

const PLUGIN: &str = env!("CARGO_BIN_EXE_data-ops-plugin");

/// Seeds 6 train and 3 validation images of 40×30 over `person` and `car`; the seed's answer.
async fn seed(backend: &RunningDevBackend) -> Value {
    let body = json!({"seed": 11, "classes": ["person", "car"], "splits": {"train": 6, "validation": 3}, "width": 40, "height": 30});
    dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await
}

fn context(backend: &RunningDevBackend) -> (Context, Arc<MemorySink>) {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder("export_coco")
        .backend(Some(dev_backend::client_of(backend.url(), quick(2, 5, 20))))
        .env(PluginEnvironment::from_vars([("UNUSED", "")], ""))
        .sink(memory.clone())
        .build();
    (ctx, memory)
}

fn gt_params(version: u64, name: &str) -> ExportParams {
    ExportParams::ground_truth(name, 1, "exports", version)
}

/// The `Log` events named `name`, their data.
fn logged(memory: &MemorySink, name: &str) -> Vec<Value> {
    memory
        .events()
        .into_iter()
        .filter_map(|event| match event.kind {
            EventKind::Log { event, data, .. } if event == name => Some(data),
            _ => None,
        })
        .collect()
}

/// The last metrics of `category`.
fn last_metrics(memory: &MemorySink, category: &str) -> Value {
    let found = memory.events().into_iter().rev().find_map(|event| match event.kind {
        EventKind::Metrics { category: c, values } if c == category => Some(Value::Object(values)),
        _ => None,
    });
    found.unwrap_or(Value::Null)
}

/// An image as COCO lists it: file name, width, height.
type Image = (String, u32, u32);
/// An annotation as COCO lists it: image id, category id, box, area.
type Annotation = (u64, u64, [f64; 4], f64);

/// The COCO file the seed's truth gives for its images `kept` (event ids): images in event
/// order, categories 1..n over the sorted class names, boxes as seeded with `area = w·h`.
fn expected(seeded: &Value, kept: &[u64]) -> (Vec<Image>, Vec<Annotation>, Vec<String>) {
    let mut classes: Vec<String> =
        seeded["classes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_owned()).collect();
    classes.sort();
    let mut images = Vec::new();
    let mut annotations = Vec::new();
    for image in seeded["images"].as_array().unwrap().iter().filter(|i| kept.contains(&i["event"].as_u64().unwrap())) {
        let name = image["url"].as_str().unwrap().rsplit('/').next().unwrap().to_owned();
        images.push((name, image["width"].as_u64().unwrap() as u32, image["height"].as_u64().unwrap() as u32));
        let image_id = images.len() as u64;
        for b in seeded["boxes"].as_array().unwrap().iter().filter(|b| b["event"] == image["event"]) {
            let category = classes.iter().position(|c| c == b["class"].as_str().unwrap()).unwrap() as u64 + 1;
            let bbox = ["x", "y", "width", "height"].map(|k| b[k].as_f64().unwrap());
            annotations.push((image_id, category, bbox, bbox[2] * bbox[3]));
        }
    }
    (images, annotations, classes)
}

fn read_coco(dir: &Path) -> CocoInstances {
    serde_json::from_slice(&std::fs::read(dir.join(COCO_FILE)).expect("annotations.json")).expect("COCO")
}

/// Asserts the COCO file equals the truth of `kept`, and that each image's size is its PNG's.
fn assert_coco_is_the_truth(dir: &Path, seeded: &Value, kept: &[u64]) {
    let coco = read_coco(dir);
    let (images, annotations, classes) = expected(seeded, kept);
    let shown: Vec<Image> = coco.images.iter().map(|i| (i.file_name.clone(), i.width, i.height)).collect();
    assert_eq!(shown, images);
    assert_eq!(coco.images.iter().map(|i| i.id).collect::<Vec<_>>(), (1..=images.len() as u64).collect::<Vec<_>>());
    for image in &coco.images {
        let size = synapse::formats::image_size(&dir.join("origin_files").join(&image.file_name)).expect("a PNG");
        assert_eq!(size, (image.width, image.height), "{}", image.file_name);
    }
    let categories: Vec<(u64, String, String)> =
        coco.categories.iter().map(|c| (c.id, c.name.clone(), c.supercategory.clone())).collect();
    let want: Vec<(u64, String, String)> = (1..).zip(&classes).map(|(id, c)| (id, c.clone(), c.clone())).collect();
    assert_eq!(categories, want);
    let shown: Vec<Annotation> = coco.annotations.iter().map(|a| (a.image_id, a.category_id, a.bbox, a.area)).collect();
    assert_eq!(shown, annotations);
    assert_eq!(
        coco.annotations.iter().map(|a| a.id).collect::<Vec<_>>(),
        (1..=annotations.len() as u64).collect::<Vec<_>>()
    );
    assert!(coco.annotations.iter().all(|a| a.iscrowd == 0 && a.segmentation == json!([])));
}

fn events_of(seeded: &Value) -> Vec<u64> {
    seeded["images"].as_array().unwrap().iter().map(|i| i["event"].as_u64().unwrap()).collect()
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ground_truth_version_exports_to_coco_as_seeded_with_an_event_per_file() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let (ctx, memory) = context(&backend);
    let result = run_export(&ctx, gt_params(version, "gt"), &CocoExporter::default()).await.expect("exported");
    let ids = events_of(&seeded);
    assert_eq!((result.exported_count, result.failed_count, result.total_count), (9, 0, 9));
    assert_eq!((result.original_files.success, result.original_files.failed), (9, 0));
    assert!(result.failures.is_empty() && result.error_list.is_none(), "{result:?}");
    let dir = PathBuf::from(&result.output_path);
    assert!(result.storage_key.starts_with("exports/gt-"), "{}", result.storage_key);
    assert!(dir.ends_with(&result.storage_key), "{dir:?}");
    assert_coco_is_the_truth(&dir, &seeded, &ids);

    let labels = files_in(&dir.join("labels"));
    assert_eq!(labels, (1..=9).map(|n| format!("img_{n:04}.json")).collect::<Vec<_>>());
    let label: Value = serde_json::from_slice(&std::fs::read(dir.join("labels/img_0001.json")).unwrap()).unwrap();
    let first_boxes = seeded["boxes"].as_array().unwrap().iter().filter(|b| b["event"] == ids[0]).count();
    assert_eq!(label["images"][0]["bounding_box"].as_array().map(Vec::len), Some(first_boxes), "DM v2: {label}");
    assert_eq!(files_in(&dir.join("origin_files")).len(), 9);

    for (event, kind) in [("export_data_file", "data"), ("export_original_file", "original")] {
        let logged = logged(&memory, event);
        let mut targets: Vec<u64> = logged.iter().map(|d| d["target_id"].as_u64().unwrap()).collect();
        targets.sort_unstable();
        assert_eq!(targets, ids, "one {kind} event per item");
        assert!(logged.iter().all(|d| d["status"] == "success" && d["error"] == ""), "{logged:?}");
        let info: Value = serde_json::from_str(logged[0]["data_file_info"].as_str().unwrap()).unwrap();
        assert!(info["file_name"].as_str().unwrap().starts_with("img_"), "{info}");
    }
    assert_eq!(last_metrics(&memory, "data_file"), json!({"stand_by": 0, "success": 9, "failed": 0}));
    assert_eq!(last_metrics(&memory, "original_file"), json!({"stand_by": 0, "success": 9, "failed": 0}));
    let summary = logged(&memory, "export_summary");
    assert_eq!(summary.len(), 1);
    assert_eq!(summary[0]["exported_count"], 9);
    let started: Vec<String> = memory
        .events()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::StepStarted { .. }))
        .filter_map(|e| e.step)
        .collect();
    assert_eq!(started, ["initialize", "fetch_results", "prepare_export", "convert_data", "save_files", "finalize"]);

    // A second export of the same name is a directory of its own.
    let (ctx, _) = context(&backend);
    let again = run_export(&ctx, gt_params(version, "gt"), &CocoExporter::default()).await.expect("again");
    assert_ne!(again.output_path, result.output_path);
    assert_coco_is_the_truth(Path::new(&again.output_path), &seeded, &ids);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_original_is_the_items_failure_and_the_others_export() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let ids = events_of(&seeded);
    let gone = seeded["images"][1]["url"].as_str().unwrap().split("/media/").nth(1).unwrap().to_owned();
    dev_backend::fault(&backend, json!({"method": "GET", "path_glob": format!("/media/{gone}"), "status": 404})).await;
    let (ctx, memory) = context(&backend);
    let result = run_export(&ctx, gt_params(version, "missing"), &CocoExporter::default()).await.expect("exported");
    assert_eq!((result.exported_count, result.failed_count, result.total_count), (8, 1, 9));
    assert_eq!((result.original_files.success, result.original_files.failed), (8, 1));
    let kinds: Vec<(u64, FileKind)> = result.failures.iter().map(|f| (f.id, f.kind)).collect();
    assert_eq!(kinds, [(ids[1], FileKind::OriginalFile), (ids[1], FileKind::DataFile)]);
    assert!(result.failures[0].reason.contains("404"), "{:?}", result.failures[0]);
    assert_eq!(result.failures[0].file_name, "img_0002.png");

    let dir = PathBuf::from(&result.output_path);
    let kept: Vec<u64> = ids.iter().copied().filter(|id| *id != ids[1]).collect();
    assert_coco_is_the_truth(&dir, &seeded, &kept);
    let list: Value = serde_json::from_slice(&std::fs::read(dir.join("error_file_list.json")).unwrap()).unwrap();
    assert_eq!(list["origin_file_name"][0][0], "img_0002.png");
    assert_eq!(list["json_file_name"][0][0], "img_0002.json");
    assert_eq!(result.error_list.as_deref(), Some(format!("{}/error_file_list.json", result.storage_key).as_str()));
    let failed: Vec<Value> =
        logged(&memory, "export_original_file").into_iter().filter(|d| d["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["target_id"], ids[1]);
    assert_eq!(last_metrics(&memory, "original_file"), json!({"stand_by": 0, "success": 8, "failed": 1}));
}

/// The COCO exporter, whose aggregate file cannot be written.
#[derive(Clone)]
struct BrokenAggregate(CocoExporter);

impl Exporter for BrokenAggregate {
    fn convert_data(&self, item: synapse::export::ExportItem) -> Result<synapse::export::ExportItem> {
        self.0.convert_data(item)
    }

    async fn additional_files(&self, _: &ExportDir) -> Result<()> {
        bail!("the COCO file cannot be written: disk full")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_save_removes_the_export_directory() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let (ctx, memory) = context(&backend);
    let error = run_export(&ctx, gt_params(version, "broken"), &BrokenAggregate(CocoExporter::default()))
        .await
        .expect_err("the export fails");
    let ExportError::Workflow(workflow) = &error else { panic!("{error}") };
    assert_eq!(workflow.step, "save_files");
    assert!(workflow.fully_rolled_back(), "{error}");
    assert!(
        matches!(error.step_cause(), Some(ExportError::AdditionalFiles { reason }) if reason.contains("disk full")),
        "{error}"
    );
    // Files were written (each item's), then removed with their directory.
    assert_eq!(logged(&memory, "export_data_file").len(), 9);
    let storage = dev_backend::client_of(backend.url(), quick(1, 5, 5)).get_storage(1).await.expect("storage 1");
    let root = PathBuf::from(storage.configuration["location"].as_str().unwrap());
    assert_eq!(files_in(&root.join("exports")), Vec::<String>::new(), "nothing is left");
    let rolled_back: Vec<String> = memory
        .events()
        .into_iter()
        .filter(|e| matches!(e.kind, EventKind::RollbackCompleted { .. }))
        .filter_map(|e| e.step)
        .collect();
    assert_eq!(rolled_back.last().map(String::as_str), Some("initialize"), "{rolled_back:?}");
}

#[test]
fn an_export_filter_without_its_key_is_refused_before_the_run() {
    for (target, key) in
        [("task", "project"), ("assignment", "project"), ("ground_truth", "ground_truth_dataset_version")]
    {
        let params =
            json!({"name": "n", "storage": 1, "path": "exports", "target": target, "filter": {"category": "train"}});
        let ran = synapse_tests::run(PLUGIN, &["run", "export_coco", "--params", &params.to_string()]);
        assert_eq!(ran.code, Some(2), "{target}: {}", ran.stderr);
        assert!(ran.stderr.contains(&format!("$.filter.{key}")), "{target}: {}", ran.stderr);
        assert!(ran.stderr.contains(&format!("`target` is `{target}`")), "{target}: {}", ran.stderr);
    }
}

/// Seeds a project of 3 tasks of `car` and `tree`; the seed's answer.
async fn seed_project(backend: &RunningDevBackend) -> Value {
    let body = json!({"seed": 2, "classes": ["car", "tree"], "tasks": 3, "width": 32, "height": 24});
    dev(backend, reqwest::Method::POST, "_dev/seed/project", Some(body)).await
}

fn dm_v1(id: &str, x: u32) -> Value {
    json!({"extra": {}, "relations": {}, "annotationGroups": {},
           "annotations": {"image_1": [{"id": id, "tool": "bounding_box", "classification": {"class": "car"}}]},
           "annotationsData": {"image_1": [{"id": id, "coordinate": {"x": x, "y": 2, "width": 5, "height": 6}}]}})
}

fn project_params(target: &str, project: &Value, name: &str) -> ExportParams {
    ExportParams::parse(
        json!({"name": name, "storage": 1, "path": "/exports/", "target": target, "filter": {"project": project}}),
    )
    .expect("params")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_and_assignments_export_their_dm_with_their_images() {
    let backend = backend().await;
    let seeded = seed_project(&backend).await;
    let (project, tasks) = (seeded["project"].clone(), seeded["tasks"].as_array().unwrap().clone());
    let client = dev_backend::client_of(backend.url(), quick(2, 5, 20));
    for (n, task) in tasks.iter().take(2).enumerate() {
        let data = dm_v1(&format!("box{n}"), n as u32);
        client.annotate_task(task.as_u64().unwrap(), &data, synapse::backend::AnnotationSchema::DmV1).await.unwrap();
    }

    // Tasks: the two annotated export, the third has no annotation; every image is saved.
    let (ctx, _) = context(&backend);
    let result = run_export(&ctx, project_params("task", &project, "tasks"), &DefaultExporter).await.expect("tasks");
    assert_eq!((result.exported_count, result.failed_count, result.original_files.success), (2, 1, 3));
    assert_eq!((result.failures[0].id, result.failures[0].kind), (tasks[2].as_u64().unwrap(), FileKind::DataFile));
    assert!(result.failures[0].reason.contains("data is null"), "{:?}", result.failures);
    let dir = PathBuf::from(&result.output_path);
    assert_eq!(files_in(&dir.join("labels")), ["task_0001.json", "task_0002.json"]);
    assert_eq!(files_in(&dir.join("origin_files")), ["task_0001.png", "task_0002.png", "task_0003.png"]);
    let label: Value = serde_json::from_slice(&std::fs::read(dir.join("labels/task_0002.json")).unwrap()).unwrap();
    assert_eq!(label, dm_v1("box1", 1), "the default exporter writes the DM as the backend keeps it");

    // Assignments: the third gets its own data; exported to COCO.
    let body = json!({"project": project, "data": {tasks[2].to_string(): dm_v1("box2", 7)}});
    dev(&backend, reqwest::Method::POST, "_dev/seed/assignments", Some(body)).await;
    let (ctx, _) = context(&backend);
    let params = project_params("assignment", &project, "assignments");
    let result = run_export(&ctx, params, &CocoExporter::default()).await.expect("assignments");
    assert_eq!((result.exported_count, result.failed_count), (3, 0));
    let coco = read_coco(Path::new(&result.output_path));
    let boxes: Vec<[f64; 4]> = coco.annotations.iter().map(|a| a.bbox).collect();
    assert_eq!(boxes, [[0.0, 2.0, 5.0, 6.0], [1.0, 2.0, 5.0, 6.0], [7.0, 2.0, 5.0, 6.0]]);
    assert_eq!(coco.images.iter().map(|i| (i.width, i.height)).collect::<Vec<_>>(), [(32, 24); 3]);
    assert_eq!(coco.categories.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(), ["car"]);

    // A filter value that names no project is the filter's error, before anything is listed.
    let (ctx, _) = context(&backend);
    let error = run_export(&ctx, project_params("task", &json!("nine"), "bad"), &DefaultExporter).await.unwrap_err();
    assert!(matches!(error.step_cause(), Some(ExportError::Filter { key, .. }) if key == "project"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_or_project_the_backend_does_not_have_is_named_not_exported_empty() {
    let backend = backend().await;
    let (ctx, _) = context(&backend);
    let error = run_export(&ctx, gt_params(77, "missing"), &DefaultExporter).await.expect_err("no version 77");
    let ExportError::Workflow(workflow) = &error else { panic!("{error}") };
    assert_eq!(workflow.step, "fetch_results");
    let message = error.to_string();
    assert!(message.contains("ground-truth dataset version 77") && message.contains("404"), "{message}");

    let (ctx, _) = context(&backend);
    let error = run_export(&ctx, project_params("task", &json!(42), "missing"), &DefaultExporter).await.unwrap_err();
    assert!(matches!(error.step_cause(), Some(ExportError::Backend { what, .. }) if what == "project 42"), "{error}");
    let storage = dev_backend::client_of(backend.url(), quick(1, 5, 5)).get_storage(1).await.expect("storage 1");
    let root = PathBuf::from(storage.configuration["location"].as_str().unwrap());
    assert_eq!(files_in(&root.join("exports")), Vec::<String>::new(), "the export directories are removed");
}

/// Runs the plugin binary's `export_coco` with `params` (`--mode mode` when given); its result.
async fn plugin(backend: &RunningDevBackend, params: &Value, mode: Option<&str>) -> ExportResult {
    let params = params.to_string();
    let mut args = vec!["run", "export_coco", "--params", &params];
    if let Some(mode) = mode {
        args.extend(["--mode", mode]);
    }
    let (result, stderr) = dev_backend::run_plugin(PLUGIN, backend, &args, &[] as &[(&str, &str)]).await;
    serde_json::from_value(result).unwrap_or_else(|error| panic!("{error}: {stderr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugin_binary_exports_locally_and_in_a_child_process() {
    let backend = backend().await;
    let seeded = seed(&backend).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let ids = events_of(&seeded);
    for mode in [None, Some("process")] {
        let params = json!({"name": "cli", "storage": 1, "path": "exports", "target": "ground_truth",
                            "filter": {"ground_truth_dataset_version": version}});
        let result = plugin(&backend, &params, mode).await;
        assert_eq!((result.exported_count, result.failed_count, result.total_count), (9, 0, 9), "{mode:?}");
        assert_coco_is_the_truth(Path::new(&result.output_path), &seeded, &ids);
    }
}
