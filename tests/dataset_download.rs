//! Downloading a ground-truth dataset version (`synapse::dataset`) from the dev backend: the
//! layout and its counts against the seed, the cache (a hit makes no media request, a failed
//! download leaves no entry, two concurrent downloads make one, eviction), an explicit output
//! directory, pages, and each bad input: a version that does not exist, an empty split, an image
//! that is gone or corrupt, every image gone.

use serde_json::{Value, json};
use std::path::Path;
use synapse::EventKind;
use synapse::backend::{BackendClient, Split};
use synapse::dataset::{
    self, COMPLETE_MARKER, DatasetCache, DatasetError, DownloadRequest, NoProgress, SkipReason, SplitCounts,
};
use synapse::events::sink::MemorySink;
use synapse::prelude::*;
use synapse_dev_backend::RunningDevBackend;
use synapse_tests::dev_backend::{self, dev, fault, quick, start as backend};

const MEDIA: &str = "GET /media/{*key}";
const EVENTS: &str = "GET /sdk/ground_truth_events/";

fn client_of(backend: &RunningDevBackend) -> BackendClient {
    dev_backend::client_of(backend.url(), quick(3, 5, 20))
}

/// Seeds `train` + `validation` images (2 classes, 24×16); the seed's answer.
async fn seed(backend: &RunningDevBackend, seed: u64, train: u64, validation: u64) -> Value {
    let splits = json!({"train": train, "validation": validation});
    let body = json!({"seed": seed, "classes": ["car", "person"], "splits": splits, "width": 24, "height": 16});
    dev(backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await
}

fn version_of(seeded: &Value) -> u64 {
    seeded["ground_truth_dataset_version"].as_u64().expect("a version")
}

fn both() -> [Split; 2] {
    [Split::Train, Split::Validation]
}

/// The directories in the cache directory `dir` (entries and temporary ones).
fn cache_dirs(dir: &Path) -> Vec<String> {
    let Ok(listing) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut names: Vec<String> = listing
        .flatten()
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("a directory")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_version_is_downloaded_into_the_layout_and_found_again_in_the_cache() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 3, 8, 4).await;
    let cache_dir = tempfile::tempdir().expect("a directory");
    let request = DownloadRequest::new(version_of(&seeded)).splits(both()).cache(DatasetCache::new(cache_dir.path()));

    let dataset = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert!(!dataset.from_cache);
    assert!(dataset.skipped.is_empty());
    let boxes = |category: &str| {
        seeded["boxes"].as_array().expect("boxes").iter().filter(|b| b["category"] == category).count() as u64
    };
    let expected = [
        ("train".to_owned(), SplitCounts { images: 8, annotations: boxes("train") }),
        ("valid".to_owned(), SplitCounts { images: 4, annotations: boxes("validation") }),
    ];
    assert_eq!(dataset.splits, expected.into_iter().collect());
    assert_eq!(dataset.path.parent(), Some(cache_dir.path()));
    assert!(dataset.path.join(COMPLETE_MARKER).is_file());

    for (split, count) in [("train", 8), ("valid", 4)] {
        let dir = dataset.path.join(split);
        let jsons = files_in(&dir.join("json"));
        assert_eq!(jsons.len(), count, "{split}: {jsons:?}");
        let originals = files_in(&dir.join("original_files"));
        assert_eq!(originals.len(), 2 * count, "an image and its data_meta_1 per event: {originals:?}");
        let lines = std::fs::read_to_string(dir.join("events.jsonl")).expect("events.jsonl");
        assert_eq!(lines.lines().count(), count);
        for line in lines.lines() {
            let event: Value = serde_json::from_str(line).expect("a JSON line");
            let stem = event["stem"].as_str().expect("a stem");
            assert!(jsons.contains(&format!("{stem}.json")));
            for file in event["files"].as_object().expect("files").values() {
                assert!(file.get("url").is_none(), "the URL is replaced by the path: {file}");
                let path = dir.join(file["path"].as_str().expect("a path"));
                assert!(path.is_file(), "{}", path.display());
            }
            let image = dir.join(event["files"]["image_1"]["path"].as_str().expect("the image's path"));
            assert_eq!(image.file_name().and_then(|n| n.to_str()), Some(format!("{stem}.png").as_str()));
            let decoded = image::open(&image).expect("a PNG");
            assert_eq!((decoded.width(), decoded.height()), (24, 16));
            // The annotation JSON is DM v2 with the event's boxes, canonical (`id` + `data`).
            let written: Value =
                serde_json::from_slice(&std::fs::read(dir.join("json").join(format!("{stem}.json"))).expect("read"))
                    .expect("JSON");
            let id = event["id"].as_u64().expect("an id");
            let mut seeded_boxes: Vec<String> = seeded["boxes"]
                .as_array()
                .expect("boxes")
                .iter()
                .filter(|b| b["event"] == id)
                .map(|b| format!("{} {} {} {} {}", b["class"], b["x"], b["y"], b["width"], b["height"]))
                .collect();
            let mut written_boxes: Vec<String> = written["images"][0]["bounding_box"]
                .as_array()
                .unwrap_or_else(|| panic!("DM v2: {written}"))
                .iter()
                .map(|b| {
                    assert!(b["id"].is_string(), "{b}");
                    let data = &b["data"];
                    format!("{} {} {} {} {}", b["classification"], data[0], data[1], data[2], data[3])
                })
                .collect();
            seeded_boxes.sort();
            written_boxes.sort();
            assert_eq!(written_boxes, seeded_boxes);
        }
    }
    // The formats' DM reader reads it back: every image with its boxes.
    let read = synapse::formats::dm::read_dir(&dataset.path).expect("a DM v2 dataset directory");
    assert_eq!(read.images.len(), 12);
    let read_boxes: usize = read.images.iter().map(|image| image.boxes.len()).sum();
    assert_eq!(read_boxes, seeded["boxes"].as_array().map(Vec::len).unwrap_or(0));
    let media = dev_backend::requests(&backend, MEDIA).await;
    assert_eq!(media, 24, "two files per event, each fetched once");
    let listings = dev_backend::requests(&backend, EVENTS).await;

    let again = dataset::download(&client, &request, &NoProgress).await.expect("a hit");
    assert!(again.from_cache);
    assert_eq!((&again.path, &again.splits), (&dataset.path, &dataset.splits));
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, media, "a hit makes no media request");
    assert_eq!(dev_backend::requests(&backend, EVENTS).await, listings, "nor lists the events");

    // An entry whose files were removed by hand is no hit: it is downloaded again, in place.
    std::fs::remove_dir_all(dataset.path.join("valid")).expect("removed");
    let repaired = dataset::download(&client, &request, &NoProgress).await.expect("downloaded again");
    assert!(!repaired.from_cache);
    assert_eq!((&repaired.path, files_in(&repaired.path.join("valid/json")).len()), (&dataset.path, 4));
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, 2 * media);
}

#[tokio::test]
async fn a_failed_download_leaves_no_entry_and_the_next_one_succeeds() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 4, 5, 2).await;
    let version = version_of(&seeded);
    let cache_dir = tempfile::tempdir().expect("a directory");
    let request = DownloadRequest::new(version).splits(both()).cache(DatasetCache::new(cache_dir.path()));

    fault(&backend, json!({"method": "GET", "path_glob": format!("media/gt/{version}/img_0003.png"), "status": 503}))
        .await;
    let error = dataset::download(&client, &request, &NoProgress).await.expect_err("a failed file");
    let DatasetError::File { event, url, .. } = &error else { panic!("{error}") };
    assert_eq!(url, &format!("{}media/gt/{version}/img_0003.png", backend.url()), "{error}");
    assert_eq!(*event, seeded["images"][2]["event"].as_u64().expect("an event"));
    assert!(error.to_string().contains("503"), "{error}");
    assert_eq!(cache_dirs(cache_dir.path()), Vec::<String>::new(), "no entry, no temporary directory");

    dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    fault(&backend, json!({"method": "GET", "path_glob": format!("media/gt/{version}/*.json"), "drop_response": true}))
        .await;
    let error = dataset::download(&client, &request, &NoProgress).await.expect_err("a dropped response");
    assert!(matches!(error, DatasetError::File { .. }), "{error}");
    assert_eq!(cache_dirs(cache_dir.path()), Vec::<String>::new());

    dev(&backend, reqwest::Method::DELETE, "_dev/faults", None).await;
    let dataset = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert_eq!((dataset.images(), dataset.from_cache), (7, false));
    assert_eq!(cache_dirs(cache_dir.path()).len(), 1);
}

#[tokio::test]
async fn two_concurrent_downloads_make_one_entry() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 5, 6, 3).await;
    let cache_dir = tempfile::tempdir().expect("a directory");
    let request = DownloadRequest::new(version_of(&seeded)).splits(both()).cache(DatasetCache::new(cache_dir.path()));
    let (first, second) = tokio::join!(
        dataset::download(&client, &request, &NoProgress),
        dataset::download(&client, &request, &NoProgress)
    );
    let (first, second) = (first.expect("first"), second.expect("second"));
    assert_eq!(first.path, second.path);
    assert_eq!(first.from_cache as u8 + second.from_cache as u8, 1, "one downloaded, the other waited for it");
    assert_eq!(cache_dirs(cache_dir.path()).len(), 1);
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, 18, "the files were fetched once");
}

#[tokio::test]
async fn an_output_directory_bypasses_the_cache() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 6, 3, 0).await;
    let (cache_dir, out) = (tempfile::tempdir().expect("a directory"), tempfile::tempdir().expect("a directory"));
    let request = DownloadRequest::new(version_of(&seeded))
        .cache(DatasetCache::new(cache_dir.path()))
        .output_dir(out.path().join("ds"));
    let dataset = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert_eq!(dataset.path, out.path().join("ds"));
    assert_eq!(dataset.splits[dataset::ALL_SPLITS].images, 3, "without splits, every event in one directory");
    assert_eq!(files_in(&dataset.path.join("json")).len(), 3);
    assert!(!cache_dir.path().join("anything").exists() && cache_dirs(cache_dir.path()).is_empty());
    let again = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert!(!again.from_cache, "an output directory is written every time");
    assert_eq!(dev_backend::requests(&backend, MEDIA).await, 12);
}

#[tokio::test]
async fn a_version_that_does_not_exist_and_an_empty_split_are_named() {
    let backend = backend().await;
    let client = client_of(&backend);
    let cache_dir = tempfile::tempdir().expect("a directory");
    let cache = DatasetCache::new(cache_dir.path());
    let request = DownloadRequest::new(4242).cache(cache.clone());
    let error = dataset::download(&client, &request, &NoProgress).await.expect_err("no such version");
    assert!(matches!(error, DatasetError::VersionNotFound { version: 4242 }), "{error}");
    assert!(error.to_string().contains("4242"), "{error}");

    let seeded = seed(&backend, 7, 3, 0).await;
    let request = DownloadRequest::new(version_of(&seeded)).splits([Split::Train, Split::Test]).cache(cache);
    let error = dataset::download(&client, &request, &NoProgress).await.expect_err("an empty split");
    let DatasetError::EmptySplit { split, category, .. } = &error else { panic!("{error}") };
    assert_eq!((split.as_str(), category.as_str()), ("test", "test"));
    assert_eq!(cache_dirs(cache_dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn events_are_read_in_pages_of_the_size_asked_for() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 8, 8, 4).await;
    let out = tempfile::tempdir().expect("a directory");
    let request =
        DownloadRequest::new(version_of(&seeded)).splits(both()).page_size(3).concurrency(2).output_dir(out.path());
    let dataset = dataset::download(&client, &request, &NoProgress).await.expect("downloaded");
    assert_eq!(dataset.images(), 12);
    assert_eq!(dev_backend::requests(&backend, EVENTS).await, 3 + 2, "train in 3 pages of 3, valid in 2");
}

#[tokio::test]
async fn the_least_recently_used_entries_are_evicted() {
    let backend = backend().await;
    let client = client_of(&backend);
    let cache_dir = tempfile::tempdir().expect("a directory");
    let cache = DatasetCache::new(cache_dir.path()).with_max_entries(2);
    let mut versions = Vec::new();
    for seed_value in 10..13 {
        versions.push(version_of(&seed(&backend, seed_value, 2, 0).await));
    }
    let download = |version: u64| {
        let request = DownloadRequest::new(version).cache(cache.clone());
        let client = client.clone();
        async move { dataset::download(&client, &request, &NoProgress).await.expect("downloaded") }
    };
    // What a download that died left: removed by the next eviction (its key's lock is free).
    let dead = cache_dir.path().join(".tmp-v99-all-0123456789ab-Xy12Zq");
    std::fs::create_dir_all(dead.join("train/json")).expect("created");
    let a = download(versions[0]).await;
    assert!(!dead.exists(), "a dead download's directory is evicted");
    let b = download(versions[1]).await;
    assert!(download(versions[0]).await.from_cache, "a hit touches a");
    let c = download(versions[2]).await;
    assert!(a.path.exists() && c.path.exists());
    assert!(!b.path.exists(), "b, the least recently used, is evicted");
    assert_eq!(cache_dirs(cache_dir.path()).len(), 2);
}

#[tokio::test]
async fn a_missing_or_corrupt_image_is_skipped_and_reported() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 9, 6, 0).await;
    let version = version_of(&seeded);
    fault(&backend, json!({"method": "GET", "path_glob": format!("media/gt/{version}/img_0002.png"), "status": 404}))
        .await;
    let garbage = reqwest::Client::new()
        .put(format!("{}_dev/media/gt/{version}/img_0005.png", backend.url()))
        .body("not a picture")
        .send()
        .await
        .expect("replaced");
    assert!(garbage.status().is_success());
    let memory = std::sync::Arc::new(MemorySink::new());
    let ctx = Context::builder("dataset").sink(memory.clone()).build();
    let out = tempfile::tempdir().expect("a directory");
    let request = DownloadRequest::new(version).splits([Split::Train]).output_dir(out.path());
    let dataset = dataset::download(&client, &request, &ctx).await.expect("downloaded");
    ctx.emitter().flush_progress();

    assert_eq!(dataset.splits["train"].images, 4);
    let event = |index: usize| seeded["images"][index]["event"].as_u64().expect("an event");
    let skipped: Vec<(u64, &SkipReason)> = dataset.skipped.iter().map(|s| (s.event, &s.reason)).collect();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert_eq!(skipped[0], (event(1), &SkipReason::Missing { status: 404 }));
    assert!(matches!(skipped[1], (id, SkipReason::Corrupt { .. }) if id == event(4)), "{skipped:?}");
    let originals = files_in(&out.path().join("train/original_files"));
    assert!(
        !originals.iter().any(|name| name.starts_with("img_0002") || name.starts_with("img_0005")),
        "{originals:?}"
    );
    assert_eq!(files_in(&out.path().join("train/json")).len(), 4);

    let events = memory.events();
    let warnings = events
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::Log { level: LogLevel::Warning, event, .. } if event == "dataset_download_skipped"))
        .count();
    assert_eq!(warnings, 2);
    for phase in ["fetch", "download", "write"] {
        let last = events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Progress { category: Some(category), current, total } if category == phase => {
                Some((*current, *total))
            }
            _ => None,
        });
        let (current, total) = last.unwrap_or_else(|| panic!("no {phase} progress"));
        assert!(total > 0 && current == total, "{phase}: {current}/{total}");
    }
}

#[tokio::test]
async fn every_image_gone_is_an_error_and_leaves_no_entry() {
    let backend = backend().await;
    let client = client_of(&backend);
    let seeded = seed(&backend, 11, 3, 0).await;
    let version = version_of(&seeded);
    fault(&backend, json!({"method": "GET", "path_glob": format!("media/gt/{version}/*.png"), "status": 404})).await;
    let cache_dir = tempfile::tempdir().expect("a directory");
    let request = DownloadRequest::new(version).cache(DatasetCache::new(cache_dir.path()));
    let error = dataset::download(&client, &request, &NoProgress).await.expect_err("nothing left");
    assert!(matches!(&error, DatasetError::AllSkipped { count: 3, .. }), "{error}");
    assert_eq!(cache_dirs(cache_dir.path()), Vec::<String>::new());
}

#[tokio::test]
async fn an_action_downloads_with_its_params_and_its_contexts_client() {
    let backend = backend().await;
    let seeded = seed(&backend, 12, 2, 1).await;
    let out = tempfile::tempdir().expect("a directory");
    let ctx = Context::builder("dataset").backend(Some(client_of(&backend))).build();
    let params = dataset::DatasetParams::parse(json!({
        "dataset": version_of(&seeded), "splits": ["train", "valid"], "output_dir": out.path(), "concurrency": 2
    }))
    .expect("params");
    // A download is `Send`: an action's future can be spawned.
    let spawned = tokio::spawn({
        let (ctx, params) = (ctx.clone(), params.clone());
        async move { dataset::download_for(&ctx, &params, None).await }
    });
    let dataset = spawned.await.expect("joined").expect("downloaded");
    assert_eq!((dataset.path.as_path(), dataset.images()), (out.path(), 3));
    assert_eq!(files_in(&out.path().join("valid/json")).len(), 1);

    let params = dataset::DatasetParams::parse(json!({"dataset": 1, "splits": ["holdout"]})).expect("params");
    let error = dataset::download_for(&ctx, &params, None).await.expect_err("no such split");
    assert!(matches!(&error, DatasetError::UnknownSplit { name } if name == "holdout"), "{error}");
}

#[tokio::test]
async fn a_backend_started_afresh_at_the_same_address_is_not_served_from_the_cache() {
    use synapse_dev_backend::DevBackend;
    let cache_dir = tempfile::tempdir().expect("a directory");
    let first = DevBackend::builder().token(dev_backend::TOKEN).in_memory().start().await.expect("a backend");
    let addr = first.addr();
    let version = version_of(&seed(&first, 1, 3, 0).await);
    let request = DownloadRequest::new(version).cache(DatasetCache::new(cache_dir.path()));
    assert_eq!(dataset::download(&client_of(&first), &request, &NoProgress).await.expect("downloaded").images(), 3);
    first.shutdown().await.expect("shutdown");

    // The same address, the same version id, another dataset.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = DevBackend::builder()
        .token(dev_backend::TOKEN)
        .in_memory()
        .bind(addr.to_string())
        .start()
        .await
        .expect("a backend");
    assert_eq!(version_of(&seed(&second, 2, 5, 0).await), version);
    let again = dataset::download(&client_of(&second), &request, &NoProgress).await.expect("downloaded");
    assert!(!again.from_cache, "another dataset under the same id");
    assert_eq!(again.images(), 5);
    second.shutdown().await.expect("shutdown");
}
