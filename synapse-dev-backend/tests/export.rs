//! What the SDK's export reads: ground-truth events with the export's exact query (cursor pages,
//! newest first), each with its `data_unit` files named; the count probe beside it; one event by
//! `id` (the per-row data refresh); and the storage session it opens before writing
//! (`POST storages/{id}/session/`).

mod common;

use common::{authed, client, created_dev, start, status_and_json, url};
use serde_json::{Value, json};

/// The query the SDK's `GroundTruthExportTargetHandler` sends for a version (its filter after
/// `FetchResultsStep` and `_apply_export_params`).
fn export_query(version: &Value) -> String {
    format!(
        "sdk/ground_truth_events/?ground_truth_dataset_versions={version}&expand=data&page_size=200\
         &response_mode=presigned&pagination=cursor&ordering=-pgh_id"
    )
}

/// Every page from `first` on, following `next`; the events and the number of pages.
async fn walk(http: &reqwest::Client, first: String) -> (Vec<Value>, usize) {
    let mut next = Some(first);
    let mut events = Vec::new();
    let mut pages = 0;
    while let Some(page_url) = next {
        let (status, page) = status_and_json(authed(http.get(&page_url)).send().await.unwrap()).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(page.get("count"), None, "a cursor page has no count: {page}");
        assert_eq!(page["previous"], Value::Null);
        events.extend(page["results"].as_array().unwrap().iter().cloned());
        next = page["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    (events, pages)
}

fn ids(events: &[Value]) -> Vec<i64> {
    events.iter().map(|event| event["id"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn every_event_names_its_data_unit_files() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 5, "classes": ["car"], "splits": {"train": 3, "test": 1}, "width": 32, "height": 24});
    let seeded = created_dev(&http, &backend, "_dev/seed/gt_dataset", &body).await;
    let version = &seeded["ground_truth_dataset_version"];

    let (events, pages) = walk(&http, url(&backend, &export_query(version))).await;
    assert_eq!((events.len(), pages), (4, 1));
    let seeded_ids: Vec<i64> =
        seeded["images"].as_array().unwrap().iter().map(|i| i["event"].as_i64().unwrap()).collect();
    assert_eq!(ids(&events), seeded_ids.into_iter().rev().collect::<Vec<_>>(), "newest first (-pgh_id)");
    let mut names = Vec::new();
    for event in &events {
        let files = &event["data_unit"]["files"];
        let image = &files["image_1"];
        assert_eq!((&image["is_primary"], &image["file_type"]), (&json!(true), &json!("image")), "{event}");
        assert_eq!(image["url"], event["files"]["image_1"]["url"], "the same file as `files` shows");
        assert_eq!(files["data_meta_1"]["is_primary"], false);
        let name = image["file_name_original"].as_str().unwrap().to_owned();
        let meta = files["data_meta_1"]["file_name_original"].as_str().unwrap();
        assert_eq!(meta, name.replace(".png", ".json"));
        let png = http.get(image["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
        assert_eq!(image::load_from_memory(&png).unwrap().width(), 32);
        names.push(name);
    }
    names.sort();
    names.dedup();
    assert_eq!(names, ["img_0001.png", "img_0002.png", "img_0003.png", "img_0004.png"], "unique within a version");
}

#[tokio::test]
async fn cursor_pages_cover_the_version_once() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 8, "classes": ["car"], "splits": {"train": 5}, "width": 16, "height": 16});
    created_dev(&http, &backend, "_dev/seed/gt_dataset", &body).await;
    let seeded = created_dev(&http, &backend, "_dev/seed/gt_dataset", &body).await;
    let version = &seeded["ground_truth_dataset_version"];
    let mine: Vec<i64> = seeded["images"].as_array().unwrap().iter().map(|i| i["event"].as_i64().unwrap()).collect();

    let newest = format!("{}&page_size=2", export_query(version));
    let (events, pages) = walk(&http, url(&backend, &newest)).await;
    assert_eq!(pages, 3);
    assert_eq!(
        ids(&events),
        mine.iter().rev().copied().collect::<Vec<_>>(),
        "each once, newest first, this version only"
    );
    let oldest = newest.replace("ordering=-pgh_id", "ordering=id");
    assert_eq!(ids(&walk(&http, url(&backend, &oldest)).await.0), mine);

    // The SDK's count probe: the same filter without `pagination`, one event, a DRF page with count.
    let probe = format!(
        "sdk/ground_truth_events/?ground_truth_dataset_versions={version}&page_size=1&response_mode=presigned&ordering=-pgh_id"
    );
    let (status, page) = status_and_json(authed(http.get(url(&backend, &probe))).send().await.unwrap()).await;
    assert_eq!((status, &page["count"], page["results"].as_array().unwrap().len()), (200, &json!(5), 1));

    let bad = format!("{}&cursor=bm90LWEtY3Vyc29y", export_query(version));
    let (status, body) = status_and_json(authed(http.get(url(&backend, &bad))).send().await.unwrap()).await;
    assert_eq!((status, body), (404, json!({"detail": "Invalid cursor"})));
}

#[tokio::test]
async fn one_event_by_id_as_the_refresh_asks() {
    let backend = start().await;
    let http = client();
    let body = json!({"seed": 6, "classes": ["car"], "splits": {"train": 3}, "width": 16, "height": 16});
    let seeded = created_dev(&http, &backend, "_dev/seed/gt_dataset", &body).await;
    let id = seeded["images"][1]["event"].as_i64().unwrap();

    let query = format!("sdk/ground_truth_events/?id={id}&page_size=1&response_mode=presigned");
    let (status, page) = status_and_json(authed(http.get(url(&backend, &query))).send().await.unwrap()).await;
    assert_eq!((status, &page["count"]), (200, &json!(1)), "{page}");
    assert_eq!(page["results"][0]["id"], id);
    assert!(page["results"][0]["data"]["annotationsData"]["image_1"].is_array());

    let first = seeded["images"][0]["event"].as_i64().unwrap();
    let query = format!("sdk/ground_truth_events/?ids={first},{id}");
    let (_, page) = status_and_json(authed(http.get(url(&backend, &query))).send().await.unwrap()).await;
    let ids: Vec<i64> = page["results"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [first, id]);

    let (status, bad) =
        status_and_json(authed(http.get(url(&backend, "sdk/ground_truth_events/?id=seven"))).send().await.unwrap())
            .await;
    assert_eq!((status, bad), (400, json!({"id": ["Enter a whole number."]})));
    let (_, none) =
        status_and_json(authed(http.get(url(&backend, "sdk/ground_truth_events/?id=99999"))).send().await.unwrap())
            .await;
    assert_eq!(none["count"], 0);
}
