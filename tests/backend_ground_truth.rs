//! The backend client's ground truth, annotation, plugin and serve calls against the dev
//! backend's seeded data: events read across pages and downloaded, a project's class schema, its
//! tasks read and annotated, plugin runs and serve applications; and what the client says when
//! the backend answers wrong — a 404, a body that is not JSON, a `next` link that loops, a
//! download elsewhere that must not get credentials.

use futures_util::TryStreamExt;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use synapse::backend::{
    AnnotationSchema, BackendClient, BackendError, DataUnitRef, Fetched, GroundTruthEvent, JobId, NewServeApplication,
    PluginRun, Split,
};
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, quick, start};

fn client_of(url: &str) -> BackendClient {
    dev_backend::client_of(url, quick(3, 10, 50))
}

async fn seed(backend: &RunningDevBackend, what: &str, body: Value) -> Value {
    dev(backend, reqwest::Method::POST, &format!("_dev/seed/{what}"), Some(body)).await
}

#[tokio::test]
async fn every_event_of_a_version_is_read_across_pages() {
    let backend = start().await;
    let client = client_of(backend.url());
    let body = json!({"seed": 5, "classes": ["car", "person"], "splits": {"train": 130, "validation": 20},
                      "width": 16, "height": 16});
    let seeded = seed(&backend, "gt_dataset", body).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().expect("version");

    let events: Vec<GroundTruthEvent> =
        client.list_ground_truth_events(version, None).try_collect().await.expect("events");
    assert_eq!(events.len(), 150);
    let ids: std::collections::BTreeSet<u64> = events.iter().map(|event| event.id).collect();
    assert_eq!(ids.len(), 150, "no event twice");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["GET /sdk/ground_truth_events/"], 2, "two pages of 100");

    let validation: Vec<GroundTruthEvent> =
        client.list_ground_truth_events(version, Some(Split::Validation)).try_collect().await.expect("events");
    assert_eq!(validation.len(), 20);
    assert!(validation.iter().all(|event| event.category == Some(Split::Validation)));

    let found = client.get_ground_truth_dataset_version(version).await.expect("version");
    assert_eq!((found.id, &found.other["event_count"]), (version, &json!(150)));
}

#[tokio::test]
async fn events_are_read_by_cursor_oldest_first_and_small_files_fetched_into_memory() {
    let backend = start().await;
    let client = client_of(backend.url());
    let body =
        json!({"seed": 6, "classes": ["car"], "splits": {"train": 130, "validation": 20}, "width": 24, "height": 16});
    let seeded = seed(&backend, "gt_dataset", body).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().expect("version");
    let events: Vec<GroundTruthEvent> =
        client.list_ground_truth_events_by_cursor(version, None, 60).try_collect().await.expect("events");
    let ids: Vec<u64> = events.iter().map(|event| event.id).collect();
    assert_eq!(ids.len(), 150);
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "oldest first, none twice");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["GET /sdk/ground_truth_events/"], 3, "three cursor pages of 60");
    let validation: Vec<GroundTruthEvent> =
        client.list_ground_truth_events_by_cursor(version, Some(Split::Validation), 1000).try_collect().await.unwrap();
    assert_eq!(validation.len(), 20);

    let (_, primary) = events[0].primary_file().expect("a primary file");
    let dir = tempfile::tempdir().expect("a directory");
    let dest = dir.path().join("big/img.png");
    let Fetched::Bytes(bytes) = client.fetch(&primary.url, Some(1 << 20), &dest).await.expect("fetched") else {
        panic!("a small file is held in memory")
    };
    assert_eq!(synapse::formats::image_size_from_bytes(&bytes, "img.png".as_ref()).expect("a PNG"), (24, 16));
    assert!(!dest.exists(), "nothing is written");
    let fetched = client.fetch(&primary.url, Some(10), &dest).await.expect("fetched");
    assert_eq!(fetched, Fetched::File { path: dest.clone(), size: bytes.len() as u64 }, "past the limit: a file");
    assert_eq!(std::fs::read(&dest).expect("written"), bytes);
    let missing = format!("{}media/gt/none.png", backend.url());
    let error = client.fetch(&missing, Some(1 << 20), &dest).await.expect_err("a 404");
    assert!(matches!(&error, BackendError::Status { status: 404, .. }), "{error}");
}

#[tokio::test]
async fn each_events_files_are_downloaded() {
    let backend = start().await;
    let client = client_of(backend.url());
    let body =
        json!({"seed": 9, "classes": ["a", "b", "c"], "splits": {"train": 4, "test": 2}, "width": 48, "height": 32});
    let seeded = seed(&backend, "gt_dataset", body).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().expect("version");
    let dir = tempfile::tempdir().expect("a directory");
    let events: Vec<GroundTruthEvent> =
        client.list_ground_truth_events(version, None).try_collect().await.expect("events");
    for event in &events {
        let (name, primary) = event.primary_file().expect("a primary file");
        assert_eq!(name, "image_1");
        let dest = dir.path().join(format!("{}/{name}.png", event.id));
        let size = client.download(&primary.url, &dest).await.expect("downloaded");
        assert_eq!(size, std::fs::metadata(&dest).expect("written").len());
        let image = image::open(&dest).expect("a PNG");
        assert_eq!((image.width(), image.height()), (48, 32));
        let meta_path = dir.path().join(format!("{}/data_meta_1.json", event.id));
        client.download(&event.files["data_meta_1"].url, &meta_path).await.expect("downloaded");
        let meta: Value = serde_json::from_slice(&std::fs::read(&meta_path).expect("read")).expect("JSON");
        assert_eq!(meta, event.data, "data_meta_1 is the event's DM v1");
        let boxes = seeded["boxes"].as_array().expect("boxes").iter().filter(|b| b["event"] == event.id).count();
        assert_eq!(meta["annotationsData"]["image_1"].as_array().map(Vec::len), Some(boxes));
    }
    let entries: Vec<_> = std::fs::read_dir(dir.path().join(events[0].id.to_string())).expect("dir").collect();
    assert_eq!(entries.len(), 2, "no partial files are left");

    let missing = format!("{}media/gt/none.png", backend.url());
    let error = client.download(&missing, &dir.path().join("none.png")).await.expect_err("a 404");
    assert!(matches!(&error, BackendError::Status { status: 404, path, .. } if path == "media/gt/none.png"), "{error}");
    assert!(!dir.path().join("none.png").exists());
}

#[tokio::test]
async fn a_project_its_tasks_and_their_annotations() {
    let backend = start().await;
    let client = client_of(backend.url());
    let seeded =
        seed(&backend, "project", json!({"seed": 4, "classes": ["car", "person"], "tasks": 3, "with_labels": true}))
            .await;
    let project_id = seeded["project"].as_u64().expect("project");

    let project = client.get_project(project_id).await.expect("project");
    let classes: Vec<(String, String)> =
        project.classes().expect("classes").into_iter().map(|class| (class.tool, class.code)).collect();
    assert_eq!(
        classes,
        [("bounding_box".to_owned(), "car".to_owned()), ("bounding_box".to_owned(), "person".to_owned())]
    );

    let tasks: Vec<_> = client.list_tasks(project_id, &[]).try_collect().await.expect("tasks");
    assert_eq!(tasks.len(), 3);
    assert!(tasks[0].unit_files().is_some_and(|files| files.contains_key("label_1")));

    let task = client.get_task(tasks[0].id).await.expect("task");
    let Some(DataUnitRef::Expanded(unit)) = &task.data_unit else { panic!("not expanded: {task:?}") };
    assert_eq!(unit.files["image_1"].file_name(), Some("task_0001.png"));
    assert!(unit.files["image_1"].is_primary);
    let dir = tempfile::tempdir().expect("a directory");
    client
        .download(unit.files["label_1"].url.as_deref().expect("a URL"), &dir.path().join("label.txt"))
        .await
        .expect("label");
    let lines = std::fs::read_to_string(dir.path().join("label.txt")).expect("read").lines().count();
    let boxes = seeded["boxes"].as_array().expect("boxes").iter().filter(|b| b["task"] == task.id).count();
    assert_eq!(lines, boxes);

    let dm = json!({"extra": {}, "relations": {}, "annotationGroups": {},
                    "annotations": {"image_1": [{"id": "a1b2c3d4e5", "tool": "bounding_box", "classification": {"class": "car"}}]},
                    "annotationsData": {"image_1": [{"id": "a1b2c3d4e5", "coordinate": {"x": 1, "y": 2, "width": 3, "height": 4}}]}});
    let annotated = client.annotate_task(task.id, &dm, AnnotationSchema::DmV1).await.expect("annotated");
    assert_eq!(annotated.data, dm);
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let stored = state["tasks"].as_array().expect("tasks").iter().find(|t| t["id"] == task.id).expect("the task");
    assert_eq!(stored["annotations"][0]["data"], dm);
    assert_eq!(stored["annotations"][0]["schema"], "dm_schema_v1");

    let refused =
        client.annotate_task(task.id, &json!({"annotations": {}}), AnnotationSchema::DmV1).await.expect_err("400");
    let text = refused.to_string();
    assert!(text.starts_with(&format!("PUT tasks/{}/annotate_task_data/: 400 Bad Request: data:", task.id)), "{text}");
}

#[tokio::test]
async fn plugin_releases_runs_and_serve_applications() {
    let backend = start().await;
    let client = client_of(backend.url());
    let release = seed(&backend, "plugin_release", json!({"code": "detector", "version": "1.0.0"})).await;
    let release = client.get_plugin_release(release["id"].as_u64().expect("id")).await.expect("release");
    assert_eq!((release.plugin.code(), release.version.as_str()), (Some("detector"), "1.0.0"));

    let run = PluginRun { agent: Some(4), params: Some(json!({"num_cpus": 1})), ..PluginRun::new("deployment") };
    let answer = client.run_plugin("detector", &run).await.expect("run");
    let job = answer["job_id"].as_u64().expect("a job");
    let application = NewServeApplication { job: JobId::from(job), status: Some("RUNNING".to_owned()), data: None };
    let created = client.create_serve_application(&application).await.expect("created");
    assert_eq!(created.status.as_deref(), Some("RUNNING"));
    let found: Vec<_> = client.list_serve_applications("detector", Some(4)).try_collect().await.expect("listed");
    assert_eq!(found.iter().map(|app| app.id).collect::<Vec<_>>(), [created.id]);
    let none: Vec<_> = client.list_serve_applications("detector", Some(5)).try_collect().await.expect("listed");
    assert!(none.is_empty());
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(
        state["plugin_runs"][0]["body"],
        json!({"agent": 4, "action": "deployment", "params": {"num_cpus": 1}, "language": "ko"})
    );
}

#[tokio::test]
async fn a_missing_object_and_a_malformed_answer_are_named() {
    let backend = start().await;
    let client = client_of(backend.url());
    let seeded = seed(&backend, "project", json!({"classes": ["car"], "tasks": 1})).await;
    let error = client.get_task(999).await.expect_err("a 404");
    assert_eq!(error.to_string(), "GET tasks/999/: 404 Not Found: Not found.");
    let error = client.get_plugin_release(7).await.expect_err("a 404");
    assert_eq!(error.status(), Some(404));

    let fault = json!({"method": "GET", "path_glob": "/projects/*/", "body": "<html>maintenance</html>", "nth": 1});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let project = seeded["project"].as_u64().expect("project");
    let error = client.get_project(project).await.expect_err("not JSON");
    assert!(
        matches!(&error, BackendError::Decode { method, path, .. } if method == "GET" && *path == format!("projects/{project}/")),
        "{error}"
    );
    assert!(error.to_string().starts_with(&format!("GET projects/{project}/: the response cannot be read")), "{error}");
    assert!(client.get_project(project).await.is_ok(), "only the first answer was faulted");
}

/// A stand-in server: a listing whose `next` leads back to its first page, a file that records
/// the headers it was asked with, and an empty events listing that records its query (as the
/// first entry of the record, `["?<query>"]`).
async fn stand_in() -> (String, Arc<Mutex<Vec<Vec<String>>>>) {
    use axum::routing::get;
    let seen: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let queries = seen.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}/", listener.local_addr().expect("addr"));
    let first = format!("{base}sdk/tasks/?page=2");
    let loop_to = format!("{base}sdk/tasks/?page=2&page_size=100&project=1");
    let recorded = seen.clone();
    let app = axum::Router::new()
        .route(
            "/sdk/tasks/",
            get(move |query: axum::extract::RawQuery| {
                let next =
                    if query.0.as_deref() == Some("project=1&page_size=100") { first.clone() } else { loop_to.clone() };
                async move { axum::Json(json!({"count": 3, "next": next, "results": [{"id": 1}]})) }
            }),
        )
        .route(
            "/sdk/ground_truth_events/",
            get(move |query: axum::extract::RawQuery| {
                queries.lock().expect("lock").push(vec![format!("?{}", query.0.unwrap_or_default())]);
                async { axum::Json(json!({"count": 0, "next": null, "previous": null, "results": []})) }
            }),
        )
        .route(
            "/file.png",
            get(move |headers: axum::http::HeaderMap| {
                recorded.lock().expect("lock").push(headers.keys().map(|name| name.as_str().to_owned()).collect());
                async { "file bytes" }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

#[tokio::test]
async fn a_next_link_that_loops_is_an_error() {
    let (base, _) = stand_in().await;
    let client = client_of(&base);
    let result: Result<Vec<_>, _> = client.list_tasks(1, &[]).try_collect().await;
    let error = result.expect_err("a loop");
    assert!(matches!(&error, BackendError::PageLoop { path, .. } if path == "sdk/tasks/"), "{error}");
    assert!(error.to_string().starts_with("GET sdk/tasks/: the listing's `next` link loops back to"), "{error}");
}

#[tokio::test]
async fn credentials_go_to_the_backends_own_origin_only() {
    let (elsewhere, seen) = stand_in().await;
    let backend = start().await;
    let client = client_of(backend.url());
    let dir = tempfile::tempdir().expect("a directory");
    let size = client
        .download(&format!("{elsewhere}file.png?signature=s3cr3t"), &dir.path().join("f"))
        .await
        .expect("downloaded");
    assert_eq!(size, 10);
    let headers = seen.lock().expect("lock").clone();
    assert_eq!(headers.len(), 1);
    assert!(!headers[0].iter().any(|name| name.starts_with("synapse") || name == "authorization"), "{headers:?}");

    // The same stand-in as the backend itself gets them.
    let own = client_of(&elsewhere);
    own.download(&format!("{elsewhere}file.png"), &dir.path().join("g")).await.expect("downloaded");
    assert!(seen.lock().expect("lock")[1].iter().any(|name| name == "synapse-access-token"));

    let error = client
        .download(&format!("{elsewhere}none.png?signature=s3cr3t"), &dir.path().join("h"))
        .await
        .expect_err("404");
    assert!(!error.to_string().contains("s3cr3t"), "a signature is never shown: {error}");
    assert!(error.to_string().contains(&format!("{}none.png", elsewhere)), "{error}");
}

#[tokio::test]
async fn the_events_are_asked_for_with_the_sdks_query() {
    let (base, seen) = stand_in().await;
    let client = client_of(&base);
    let events: Vec<GroundTruthEvent> =
        client.list_ground_truth_events(7, Some(Split::Train)).try_collect().await.expect("no events");
    assert!(events.is_empty());
    assert_eq!(
        seen.lock().expect("lock")[0],
        [
            "?ground_truth_dataset_versions=7&fields=category&fields=files&fields=data&expand=data&category=train&page_size=100"
        ]
    );
}

#[tokio::test]
async fn an_annotation_whose_answer_was_lost_is_sent_again_and_a_run_is_not() {
    let backend = start().await;
    let client = client_of(backend.url());
    let seeded = seed(&backend, "project", json!({"classes": ["car"], "tasks": 1})).await;
    let task = seeded["tasks"][0].as_u64().expect("task");
    let fault = json!({"method": "PUT", "path_glob": "/tasks/*/annotate_task_data/", "drop_response": true, "nth": 1});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let data = json!({"free": "form"});
    let annotated = client.annotate_task(task, &data, AnnotationSchema::Any).await.expect("sent again");
    assert_eq!(annotated.data, data);
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    let annotations = state["tasks"][0]["annotations"].as_array().expect("annotations");
    assert_eq!(annotations.len(), 2, "applied, its answer lost, then sent again");
    assert!(annotations.iter().all(|annotation| annotation["data"] == data && annotation["schema"] == "any"));

    seed(&backend, "plugin_release", json!({"code": "detector", "version": "1.0.0"})).await;
    let fault = json!({"method": "POST", "path_glob": "/plugins/*/run/", "drop_response": true, "nth": 1});
    dev(&backend, reqwest::Method::POST, "_dev/faults", Some(fault)).await;
    let error = client.run_plugin("detector", &PluginRun::new("train")).await.expect_err("lost");
    assert!(
        matches!(&error, BackendError::ResponseLost { method, path, .. } if method == "POST" && path == "plugins/detector/run/"),
        "{error}"
    );
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["plugin_runs"].as_array().map(Vec::len), Some(1), "never sent twice");
}
