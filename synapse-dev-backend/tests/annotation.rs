//! Annotation: a seeded project (its class schema) and its tasks (data units with `image_1` and
//! `label_1`), listed in pages, read with the to_task query, and annotated through
//! `annotate_task_data/` with the SDK's body; bad bodies get DRF's field errors.

mod common;

use common::{authed, client, created_dev, start, state, status_and_json, url};
use serde_json::{Value, json};

fn dm(id: &str) -> Value {
    json!({"extra": {}, "relations": {}, "annotationGroups": {},
           "annotations": {"image_1": [{"id": id, "tool": "bounding_box", "classification": {"class": "car"}}]},
           "annotationsData": {"image_1": [{"id": id, "coordinate": {"x": 1, "y": 2, "width": 3, "height": 4}}]}})
}

#[tokio::test]
async fn a_seeded_projects_tasks_are_read_and_annotated() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 3, "classes": ["car", "person"], "tasks": 3, "with_labels": true, "without_label": [1]});
    let seeded = created_dev(&http, &backend, "_dev/seed/project", &body).await;
    let project = &seeded["project"];

    let (_, shown) =
        status_and_json(authed(http.get(url(&backend, &format!("projects/{project}/")))).send().await.unwrap()).await;
    assert_eq!(
        shown["configuration"]["classification"]["bounding_box"]["classification_schema"],
        json!([{"code": "car", "name": "car"}, {"code": "person", "name": "person"}])
    );

    let (_, page) = status_and_json(
        authed(http.get(url(&backend, &format!("sdk/tasks/?project={project}&page_size=2")))).send().await.unwrap(),
    )
    .await;
    assert_eq!((page["count"].as_u64(), page["results"].as_array().map(Vec::len)), (Some(3), Some(2)));
    assert!(page["next"].as_str().unwrap().contains("page=2"));
    let (_, none) =
        status_and_json(authed(http.get(url(&backend, "sdk/tasks/?project=99"))).send().await.unwrap()).await;
    assert_eq!(none["count"], 0);

    let task_id = &seeded["tasks"][0];
    let task_url = url(&backend, &format!("tasks/{task_id}/?fields=id,data,data_unit&expand=data_unit"));
    let (status, task) = status_and_json(authed(http.get(&task_url)).send().await.unwrap()).await;
    assert_eq!(status, 200, "{task}");
    let keys: Vec<&str> = task.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "data", "data_unit"]);
    let files = &task["data_unit"]["files"];
    assert_eq!(files["image_1"]["is_primary"], true);
    assert_eq!(files["image_1"]["file_name_original"], "task_0001.png");
    let label = http.get(files["label_1"]["url"].as_str().unwrap()).send().await.unwrap().text().await.unwrap();
    let boxes = seeded["boxes"].as_array().unwrap().iter().filter(|b| &b["task"] == task_id).count();
    assert_eq!(label.lines().count(), boxes);
    let (_, unlabelled) = status_and_json(
        authed(http.get(url(&backend, &format!("tasks/{}/?expand=data_unit", seeded["tasks"][1]))))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(unlabelled["data_unit"]["files"].get("label_1").is_none(), "{unlabelled}");
    let (_, plain) =
        status_and_json(authed(http.get(url(&backend, &format!("tasks/{task_id}/")))).send().await.unwrap()).await;
    assert!(plain["data_unit"].is_i64(), "not expanded: {plain}");

    // Annotated with the SDK's body, twice (a PUT may be sent again).
    let annotate = url(&backend, &format!("tasks/{task_id}/annotate_task_data/?schema=dm_schema_v1"));
    for _ in 0..2 {
        let body = json!({"action": "submit", "data": dm("a1b2c3d4e5")});
        let (status, answer) = status_and_json(authed(http.put(&annotate)).json(&body).send().await.unwrap()).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["data"], dm("a1b2c3d4e5"));
    }
    let state = state(&http, &backend).await;
    let stored = state["tasks"].as_array().unwrap().iter().find(|t| &t["id"] == task_id).unwrap();
    assert_eq!(stored["data"], dm("a1b2c3d4e5"));
    assert_eq!(stored["annotations"].as_array().unwrap().len(), 2);
    assert_eq!(stored["annotations"][0]["schema"], "dm_schema_v1");
}

#[tokio::test]
async fn annotations_that_do_not_fit_are_refused() {
    let backend = start().await;
    let http = client();
    let body = json!({"classes": ["car"], "tasks": 1});
    let seeded = created_dev(&http, &backend, "_dev/seed/project", &body).await;
    let task = &seeded["tasks"][0];
    let put = |query: &str, body: Value| {
        authed(http.put(url(&backend, &format!("tasks/{task}/annotate_task_data/{query}")))).json(&body).send()
    };
    let cases = [
        ("", json!({"data": dm("a")}), json!({"action": ["This field is required."]})),
        ("", json!({"action": "save", "data": dm("a")}), json!({"action": ["\"save\" is not a valid choice."]})),
        (
            "",
            json!({"action": "submit", "data": [1]}),
            json!({"data": ["Expected a dictionary of items but got type \"list\"."]}),
        ),
        (
            "?schema=dm_schema_v2",
            json!({"action": "submit", "data": dm("a")}),
            json!({"schema": ["Select a valid choice. dm_schema_v2 is not one of the available choices."]}),
        ),
        (
            "?schema=dm_schema_v1",
            json!({"action": "submit", "data": {"annotations": {}}}),
            json!({"data": ["`annotationsData` is required (DM v1)."]}),
        ),
    ];
    for (query, body, expected) in cases {
        let (status, errors) = status_and_json(put(query, body.clone()).await.unwrap()).await;
        assert_eq!((status, errors), (400, expected), "{query} {body}");
    }
    // `any` skips the DM check.
    let (status, _) =
        status_and_json(put("?schema=any", json!({"action": "submit", "data": {"free": 1}})).await.unwrap()).await;
    assert_eq!(status, 200);
    let (status, _) = status_and_json(
        authed(http.put(url(&backend, "tasks/99/annotate_task_data/"))).json(&json!({})).send().await.unwrap(),
    )
    .await;
    assert_eq!(status, 404, "a missing task is 404 whatever the body");
    let state = state(&http, &backend).await;
    assert_eq!(state["tasks"][0]["annotations"].as_array().unwrap().len(), 1, "refused bodies are not stored");
}
