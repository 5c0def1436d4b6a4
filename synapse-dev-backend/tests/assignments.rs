//! Assignments: seeded for a project's tasks (with the data given, or the tasks' own), listed by
//! `sdk/assignments/?project=` in DRF pages with each task's primary file as `file`; bad seeds
//! and filters get DRF's field errors.

mod common;

use common::{authed, client, created_dev, post_dev, start, state, status_and_json, url};
use serde_json::json;

#[tokio::test]
async fn a_projects_assignments_are_listed_with_their_tasks_file() {
    let backend = start().await;
    let http = client();
    let project = json!({"seed": 4, "classes": ["car"], "tasks": 3});
    let seeded = created_dev(&http, &backend, "_dev/seed/project", &project).await;
    let (id, tasks) = (seeded["project"].clone(), seeded["tasks"].as_array().unwrap().clone());
    let dm = json!({"annotations": {"image_1": []}, "annotationsData": {"image_1": []}});
    let body = json!({"project": id, "data": {tasks[1].to_string(): dm}});
    let made = created_dev(&http, &backend, "_dev/seed/assignments", &body).await;
    let assignments = made["assignments"].as_array().unwrap();
    assert_eq!(assignments.iter().map(|a| a["task"].clone()).collect::<Vec<_>>(), tasks);

    let listing = url(&backend, &format!("sdk/assignments/?project={id}&page_size=2"));
    let (status, page) = status_and_json(authed(http.get(&listing)).send().await.unwrap()).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!((page["count"].as_u64(), page["results"].as_array().map(Vec::len)), (Some(3), Some(2)));
    assert!(page["next"].as_str().unwrap().contains("page=2"), "{page}");
    let first = &page["results"][0];
    assert_eq!(
        (first["id"].clone(), first["project"].clone(), first["task"].clone()),
        (assignments[0]["id"].clone(), id.clone(), tasks[0].clone())
    );
    assert_eq!(first["data"], json!(null), "the task's own data: not annotated");
    assert_eq!(page["results"][1]["data"], dm);
    assert_eq!(first["file"]["file_name_original"], "task_0001.png");
    assert_eq!(first["file"]["is_primary"], true);
    let image = http.get(first["file"]["url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(image.status(), 200);
    assert_eq!(&image.bytes().await.unwrap()[1..4], b"PNG");

    let (_, other) =
        status_and_json(authed(http.get(url(&backend, "sdk/assignments/?project=99"))).send().await.unwrap()).await;
    assert_eq!(other["count"], 0);
    let (status, bad) =
        status_and_json(authed(http.get(url(&backend, "sdk/assignments/?project=x"))).send().await.unwrap()).await;
    assert_eq!((status, bad), (400, json!({"project": ["Enter a whole number."]})));
    let (status, _) = status_and_json(http.get(url(&backend, "sdk/assignments/")).send().await.unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(state(&http, &backend).await["assignments"].as_array().map(Vec::len), Some(3));
}

#[tokio::test]
async fn bad_assignment_seeds_name_the_field() {
    let backend = start().await;
    let http = client();
    let (status, body) = post_dev(&http, &backend, "_dev/seed/assignments", &json!({})).await;
    assert_eq!((status, body), (400, json!({"project": ["This field is required."]})));
    let (status, body) = post_dev(&http, &backend, "_dev/seed/assignments", &json!({"project": 5})).await;
    assert_eq!((status, body), (400, json!({"project": ["Invalid pk \"5\" - object does not exist."]})));
    let seeded = created_dev(&http, &backend, "_dev/seed/project", &json!({"classes": ["a"], "tasks": 1})).await;
    let body = json!({"project": seeded["project"], "data": {"999": {}}});
    let (status, body) = post_dev(&http, &backend, "_dev/seed/assignments", &body).await;
    assert_eq!(status, 400);
    assert!(body["data.999"][0].as_str().unwrap().contains("not a task of project"), "{body}");
}
