//! The shape of an export's exporter: the run works on one clone of it, whose hooks the steps
//! call directly (what it gathers behind `&self` lives for the run; the exporter handed in is
//! left as it was), and each item's files land once, in their place, with nothing else beside
//! them.

use serde_json::{Value, json};
use std::sync::{Mutex, MutexGuard};
use synapse::export::{ExportDir, ExportItem, ExportParams, Exporter, FileOutcome, ItemOutput, run_export, save_json};
use synapse::prelude::*;
use synapse_tests::dev_backend::{self, dev, quick, start as backend};

/// Records the items it converts and saves, and writes them in `tally.json`.
#[derive(Debug, Default)]
struct Tally {
    converted: Mutex<Vec<u64>>,
    saved: Mutex<Vec<u64>>,
}

fn lock(ids: &Mutex<Vec<u64>>) -> MutexGuard<'_, Vec<u64>> {
    ids.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Clone for Tally {
    fn clone(&self) -> Self {
        Tally { converted: Mutex::new(lock(&self.converted).clone()), saved: Mutex::new(lock(&self.saved).clone()) }
    }
}

impl Exporter for Tally {
    fn convert_data(&self, item: ExportItem) -> Result<ExportItem> {
        lock(&self.converted).push(item.id);
        Ok(item)
    }

    async fn save_as_json(&self, item: &ExportItem, out: ItemOutput<'_>) -> FileOutcome {
        let outcome = save_json(item, out).await;
        lock(&self.saved).push(item.id);
        outcome
    }

    async fn additional_files(&self, dir: &ExportDir) -> Result<()> {
        let (mut converted, mut saved) = (lock(&self.converted).clone(), lock(&self.saved).clone());
        converted.sort_unstable();
        saved.sort_unstable();
        dir.put_json("tally.json", &json!({ "converted": converted, "saved": saved })).await?;
        Ok(())
    }
}

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walk(dir) {
        found.push(entry.strip_prefix(dir).unwrap().to_string_lossy().into_owned());
    }
    found.sort();
    found
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_run_works_on_one_clone_and_writes_each_file_once_in_its_place() {
    let backend = backend().await;
    let body =
        json!({"seed": 4, "classes": ["car"], "splits": {"train": 20, "validation": 5}, "width": 20, "height": 16});
    let seeded = dev(&backend, reqwest::Method::POST, "_dev/seed/gt_dataset", Some(body)).await;
    let version = seeded["ground_truth_dataset_version"].as_u64().unwrap();
    let client = dev_backend::client_of(backend.url(), quick(2, 5, 20));
    let ctx = Context::builder("export").backend(Some(client)).build();
    let mut params = ExportParams::ground_truth("tally", 1, "exports", version);
    // Pages of 7: the cursor listing is followed across pages.
    params.extra_params =
        Some(json!({"export_page_size": 7, "export_download_workers": 3}).as_object().unwrap().clone());
    let exporter = Tally::default();
    let result = run_export(&ctx, params, &exporter).await.expect("exported");
    assert_eq!((result.exported_count, result.failed_count, result.total_count), (25, 0, 25));
    assert!(lock(&exporter.converted).is_empty() && lock(&exporter.saved).is_empty(), "the run had its own clone");

    let dir = std::path::PathBuf::from(&result.output_path);
    let tally: Value = serde_json::from_slice(&std::fs::read(dir.join("tally.json")).unwrap()).unwrap();
    assert_eq!(tally["converted"], tally["saved"], "every item converted was saved, by the same clone");
    assert_eq!(tally["converted"].as_array().map(Vec::len), Some(25));
    let files = files_under(&dir);
    assert_eq!(files.len(), 25 * 2 + 1, "a label and an image per item, and the tally; nothing else: {files:?}");
    assert!(files.iter().filter(|f| f.starts_with("origin_files/")).all(|f| f.ends_with(".png")), "{files:?}");
    let state = dev(&backend, reqwest::Method::GET, "_dev/state", None).await;
    assert_eq!(state["requests"]["GET /sdk/ground_truth_events/"], 4, "four cursor pages of 7");
    let image = dir.join(files.iter().find(|f| f.starts_with("origin_files/")).unwrap());
    assert_eq!(synapse::formats::image_size(&image).expect("a whole PNG"), (20, 16));
}
