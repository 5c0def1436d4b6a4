//! A seeded project names its data collection (`GET projects/{id}/`'s `data_collection`), and the
//! collection's specifications are the tasks' files: `image_1` primary, `label_1` only with
//! labels. The SDK's `to_task` reads both before it annotates anything.

mod common;

use common::{authed, client, created_dev, start, state, status_and_json, url};
use serde_json::{Value, json};

/// `(name, file_type, is_primary, is_required)` of each specification of the collection.
fn specs(collection: &Value) -> Vec<(String, String, bool, bool)> {
    collection["file_specifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|spec| {
            (
                spec["name"].as_str().unwrap().to_owned(),
                spec["file_type"].as_str().unwrap().to_owned(),
                spec["is_primary"].as_bool().unwrap(),
                spec["is_required"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_seeded_project_names_the_collection_of_its_files() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 5, "classes": ["car"], "tasks": 2, "with_labels": true, "without_label": [0]});
    let seeded = created_dev(&http, &backend, "_dev/seed/project", &body).await;
    let (project, collection) = (&seeded["project"], &seeded["data_collection"]);
    assert!(collection.is_i64(), "{seeded}");

    let (status, shown) =
        status_and_json(authed(http.get(url(&backend, &format!("projects/{project}/")))).send().await.unwrap()).await;
    assert_eq!((status, &shown["data_collection"]), (200, collection), "{shown}");

    // As the SDK's `get_data_collection` asks for it.
    let path = format!("data_collections/{collection}/?expand=file_specifications");
    let (status, expanded) = status_and_json(authed(http.get(url(&backend, &path))).send().await.unwrap()).await;
    assert_eq!(status, 200, "{expanded}");
    assert_eq!(
        specs(&expanded),
        [("image_1".into(), "image".into(), true, true), ("label_1".into(), "text".into(), false, false)]
    );

    let state = state(&http, &backend).await;
    let listed = state["projects"].as_array().unwrap().iter().find(|p| &p["id"] == project).unwrap();
    assert_eq!(&listed["data_collection"], collection);
}

#[tokio::test]
async fn without_labels_the_collection_has_no_label_spec_and_each_project_its_own() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 6, "classes": ["car"], "tasks": 1});
    let first = created_dev(&http, &backend, "_dev/seed/project", &body).await;
    let second = created_dev(&http, &backend, "_dev/seed/project", &body).await;
    assert_ne!(first["data_collection"], second["data_collection"]);

    let path = format!("data_collections/{}/?expand=file_specifications", first["data_collection"]);
    let (_, expanded) = status_and_json(authed(http.get(url(&backend, &path))).send().await.unwrap()).await;
    assert_eq!(specs(&expanded), [("image_1".into(), "image".into(), true, true)]);

    for seeded in [&first, &second] {
        let path = format!("projects/{}/", seeded["project"]);
        let (_, shown) = status_and_json(authed(http.get(url(&backend, &path))).send().await.unwrap()).await;
        assert_eq!(shown["data_collection"], seeded["data_collection"]);
    }
}
