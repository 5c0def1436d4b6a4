//! Ground truth: a seeded dataset version (synthetic PNGs, their DM v1 as `data_meta_1`, one
//! event each) listed through `sdk/ground_truth_events/` in DRF pages with the SDK's exact
//! query, filtered by category, with dynamic fields; the same seed gives the same bytes.

mod common;

use common::{authed, client, created_dev, post_dev, start, state, status_and_json, url};
use serde_json::{Value, json};

async fn seed(http: &reqwest::Client, backend: &synapse_dev_backend::RunningDevBackend, body: Value) -> Value {
    created_dev(http, backend, "_dev/seed/gt_dataset", &body).await
}

fn query(version: &Value, extra: &str) -> String {
    format!(
        "sdk/ground_truth_events/?ground_truth_dataset_versions={version}&fields=category&fields=files&fields=data&expand=data{extra}"
    )
}

#[tokio::test]
async fn seeded_events_are_listed_in_pages_with_their_files() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 7, "images": 5, "classes": ["car", "person"], "splits": {"train": 3, "validation": 2},
                      "width": 40, "height": 30});
    let seeded = seed(&http, &backend, body).await;
    assert_eq!(seeded["events"], 5);
    let version = &seeded["ground_truth_dataset_version"];

    let mut next = Some(url(&backend, &query(version, "&page_size=2")));
    let mut events = Vec::new();
    let mut pages = 0;
    while let Some(page_url) = next {
        let (status, page) = status_and_json(authed(http.get(&page_url)).send().await.unwrap()).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page["count"], 5);
        events.extend(page["results"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    assert_eq!((pages, events.len()), (3, 5));
    let event = &events[0];
    let keys: Vec<&str> = event.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["id", "category", "files", "data"], "only the fields asked for, and id");
    assert_eq!(event["category"], "train");
    assert_eq!(event["files"]["image_1"]["file_type"], "image");
    assert_eq!(event["files"]["image_1"]["is_primary"], true);
    assert_eq!(event["files"]["data_meta_1"]["file_type"], "data");

    // The image is the PNG the seed describes; data_meta_1 is the event's DM v1.
    let png = http.get(event["files"]["image_1"]["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let image = image::load_from_memory(&png).unwrap();
    assert_eq!((image.width(), image.height()), (40, 30));
    let meta: Value =
        http.get(event["files"]["data_meta_1"]["url"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(meta, event["data"]);
    let boxes: Vec<&Value> = seeded["boxes"].as_array().unwrap().iter().filter(|b| b["event"] == event["id"]).collect();
    let coordinates = meta["annotationsData"]["image_1"].as_array().unwrap();
    assert_eq!(coordinates.len(), boxes.len());
    assert_eq!(coordinates[0]["coordinate"]["x"], boxes[0]["x"]);
    assert_eq!(meta["annotations"]["image_1"][0]["classification"]["class"], boxes[0]["class"]);

    // The category filter.
    let (_, validation) =
        status_and_json(authed(http.get(url(&backend, &query(version, "&category=validation")))).send().await.unwrap())
            .await;
    assert_eq!(validation["count"], 2);
    assert!(validation["results"].as_array().unwrap().iter().all(|e| e["category"] == "validation"));
    let (status, bad) =
        status_and_json(authed(http.get(url(&backend, &query(version, "&category=valid")))).send().await.unwrap())
            .await;
    assert_eq!(
        (status, bad),
        (400, json!({"category": ["Select a valid choice. valid is not one of the available choices."]}))
    );
    let (status, bad) = status_and_json(
        authed(http.get(url(&backend, "sdk/ground_truth_events/?ground_truth_dataset_versions=x")))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, bad), (400, json!({"ground_truth_dataset_versions": ["Enter a whole number."]})));

    // The version.
    let (status, shown) = status_and_json(
        authed(http.get(url(&backend, &format!("ground_truth_dataset_versions/{version}/")))).send().await.unwrap(),
    )
    .await;
    assert_eq!((status, &shown["event_count"]), (200, &json!(5)), "{shown}");
    let (status, _) =
        status_and_json(authed(http.get(url(&backend, "ground_truth_dataset_versions/99/"))).send().await.unwrap())
            .await;
    assert_eq!(status, 404);

    let state = state(&http, &backend).await;
    assert_eq!(state["ground_truth"]["events"].as_array().unwrap().len(), 5);
    assert_eq!(state["requests"]["GET /sdk/ground_truth_events/"], 6, "{}", state["requests"]);
}

#[tokio::test]
async fn a_seed_gives_the_same_bytes_in_a_new_version() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 11, "classes": ["a", "b", "c"], "splits": {"train": 2, "test": 1}});
    let first = seed(&http, &backend, body.clone()).await;
    let second = seed(&http, &backend, body).await;
    assert_ne!(first["ground_truth_dataset_version"], second["ground_truth_dataset_version"]);
    let strip = |seeded: &Value| -> Vec<Value> {
        seeded["boxes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| json!([b["class"], b["x"], b["y"], b["width"], b["height"]]))
            .collect()
    };
    assert_eq!(strip(&first), strip(&second));
    for (a, b) in first["images"].as_array().unwrap().iter().zip(second["images"].as_array().unwrap()) {
        assert_ne!(a["url"], b["url"]);
        let get = |image: &Value| http.get(image["url"].as_str().unwrap().to_owned()).send();
        let (a, b) = (get(a).await.unwrap().bytes().await.unwrap(), get(b).await.unwrap().bytes().await.unwrap());
        assert_eq!(a, b);
    }
    let other =
        seed(&http, &backend, json!({"seed": 12, "classes": ["a", "b", "c"], "splits": {"train": 2, "test": 1}})).await;
    assert_ne!(strip(&first), strip(&other));
}

#[tokio::test]
async fn a_seed_that_does_not_fit_names_the_field() {
    let backend = start().await;
    let http = client();
    for (body, field) in [
        (json!({"classes": ["a"], "splits": {"valid": 2}}), "splits.valid"),
        (json!({"classes": ["a"], "splits": {"train": 2}, "images": 3}), "images"),
        (json!({"classes": [], "splits": {"train": 2}}), "classes"),
        (json!({"classes": ["a"], "splits": {"train": -1}}), "splits.train"),
    ] {
        let (status, errors) = post_dev(&http, &backend, "_dev/seed/gt_dataset", &body).await;
        assert_eq!(status, 400, "{body}");
        assert!(errors.get(field).is_some(), "{errors} should name {field}");
    }
}
