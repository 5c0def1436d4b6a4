//! What the pre-annotation tests share: a project seeded on the dev backend, a context bound to
//! it, the DM v1 a task's seeded boxes make, and stored annotations with their ids taken out.

use serde_json::{Value, json};
use std::sync::Arc;
use synapse::PluginEnvironment;
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse_dev_backend::RunningDevBackend;

use crate::dev_backend::{self, dev, quick};

/// Seeds a project of `tasks` tasks (48×32 images, classes `car`, `person`), each with its YOLO
/// `label_1` when `with_labels`, except the 0-based `without_label`: the seed's answer.
pub async fn seed_project(backend: &RunningDevBackend, tasks: u64, with_labels: bool, without_label: &[u64]) -> Value {
    let body = json!({
        "seed": 11, "classes": ["car", "person"], "tasks": tasks, "with_labels": with_labels,
        "without_label": without_label, "width": 48, "height": 32,
    });
    dev(backend, reqwest::Method::POST, "_dev/seed/project", Some(body)).await
}

/// The seeded task ids, in order.
pub fn task_ids(seeded: &Value) -> Vec<u64> {
    seeded["tasks"].as_array().expect("tasks").iter().map(|id| id.as_u64().expect("an id")).collect()
}

/// A context for `action` with a client of `backend` (3 tries, short backoffs) and a memory sink.
pub fn context(backend: &RunningDevBackend, action: &str) -> (Context, Arc<MemorySink>) {
    let memory = Arc::new(MemorySink::new());
    let ctx = Context::builder(action)
        .backend(Some(dev_backend::client_of(backend.url(), quick(3, 5, 20))))
        .env(PluginEnvironment::from_vars([("UNUSED", "")], ""))
        .sink(memory.clone())
        .build();
    (ctx, memory)
}

/// The DM v1 of boxes `[(class, x, y, width, height)]` on `image_1`, ids `id0`, `id1`, … (what
/// [`without_ids`] makes of a stored one).
pub fn dm_v1(boxes: &[(String, Value, Value, Value, Value)]) -> Value {
    let annotations: Vec<Value> = boxes
        .iter()
        .enumerate()
        .map(|(n, (class, ..))| {
            json!({"id": format!("id{n}"), "tool": "bounding_box", "isLocked": false, "isVisible": true,
                   "isValid": false, "isDrawCompleted": true, "label": [], "classification": {"class": class}})
        })
        .collect();
    let data: Vec<Value> = boxes
        .iter()
        .enumerate()
        .map(|(n, (_, x, y, w, h))| json!({"id": format!("id{n}"), "coordinate": {"x": x, "y": y, "width": w, "height": h}}))
        .collect();
    json!({"extra": {}, "relations": {}, "annotationGroups": {},
           "annotations": {"image_1": annotations}, "annotationsData": {"image_1": data}})
}

/// The DM v1 of the seeded boxes of `task`, in seed order.
pub fn expected(seeded: &Value, task: u64) -> Value {
    let boxes: Vec<_> = seeded["boxes"]
        .as_array()
        .expect("boxes")
        .iter()
        .filter(|b| b["task"] == task)
        .map(|b| {
            let class = b["class"].as_str().expect("class").to_owned();
            (class, b["x"].clone(), b["y"].clone(), b["width"].clone(), b["height"].clone())
        })
        .collect();
    dm_v1(&boxes)
}

/// `data` with the `n`th annotation's id (and its geometry's, which must be the same) replaced by
/// `id<n>`, per media.
pub fn without_ids(mut data: Value) -> Value {
    let media: Vec<String> = data["annotations"].as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
    for key in media {
        let count = data["annotations"][&key].as_array().map_or(0, Vec::len);
        for n in 0..count {
            let id = data["annotations"][&key][n]["id"].clone();
            assert!(id.as_str().is_some_and(|id| !id.is_empty()), "an annotation id: {id}");
            assert_eq!(data["annotationsData"][&key][n]["id"], id, "annotation {n} and its geometry share the id");
            data["annotations"][&key][n]["id"] = json!(format!("id{n}"));
            data["annotationsData"][&key][n]["id"] = json!(format!("id{n}"));
        }
    }
    data
}

/// The annotation stored for `task` (`GET tasks/{id}/`'s `data`).
pub async fn stored(backend: &RunningDevBackend, task: u64) -> Value {
    let client = dev_backend::client_of(backend.url(), quick(2, 5, 20));
    client.get_task(task).await.expect("the task").data
}

/// The `annotate_task_data` events' data, in order.
pub fn task_events(memory: &MemorySink) -> Vec<Value> {
    memory
        .events()
        .into_iter()
        .filter_map(|event| match event.kind {
            synapse::EventKind::Log { event: name, data, .. } if name == "annotate_task_data" => Some(data),
            _ => None,
        })
        .collect()
}

/// The `(class, coordinate)` pairs of a DM v1 document's `image_1`, sorted (boxes found region by region compare as sets).
pub fn box_pairs(data: &Value) -> Vec<String> {
    let annotations = data["annotations"]["image_1"].as_array().cloned().unwrap_or_default();
    let geometry = data["annotationsData"]["image_1"].as_array().cloned().unwrap_or_default();
    assert_eq!(annotations.len(), geometry.len(), "{data}");
    let mut pairs: Vec<String> = annotations
        .iter()
        .zip(&geometry)
        .map(|(annotation, data)| format!("{} {}", annotation["classification"], data["coordinate"]))
        .collect();
    pairs.sort();
    pairs
}
