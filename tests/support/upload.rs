//! What the upload tests share: a data collection seeded on the dev backend, a folder inside its
//! file-system storage ([`source`]) of `image_1/*.png` and `data_meta_1/*.json` pairs, a run
//! context whose events are kept, and readers of those events.

use crate::dev_backend::{client_of, dev, quick};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use synapse::Context;
use synapse::events::sink::MemorySink;
use synapse::events::{Event, EventKind};
use synapse_dev_backend::RunningDevBackend;

/// A collection with `image_1` (primary, required; `image_extensions` as its
/// `configuration.extensions` when given) and `data_meta_1`; its id.
pub async fn collection(backend: &RunningDevBackend, image_extensions: Option<&[&str]>) -> u64 {
    let configuration = image_extensions.map_or(json!({}), |list| json!({ "extensions": list }));
    let body = json!({"name": "pets", "file_specifications": [
        {"name": "image_1", "file_type": "image", "is_required": true, "is_primary": true, "configuration": configuration},
        {"name": "data_meta_1", "file_type": "data", "function_type": "meta"},
    ]});
    dev(backend, reqwest::Method::POST, "_dev/data_collections", Some(body)).await["id"].as_u64().expect("an id")
}

/// A scratch folder inside the backend's file-system storage (storage 1), removed when dropped:
/// an upload reads its `path` relative to the storage's root, as the SDK does.
#[derive(Debug)]
pub struct Source {
    dir: tempfile::TempDir,
    root: PathBuf,
}

impl Source {
    /// The folder on this machine.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The folder as an upload's `path` (relative to the storage's root).
    pub fn param(&self) -> String {
        self.key(self.path())
    }

    /// `path` (inside the folder) as an upload's `path` or `assets.<spec>.path`.
    pub fn key(&self, path: &Path) -> String {
        path.strip_prefix(&self.root).expect("a path inside the storage").display().to_string()
    }
}

/// A new [`Source`] in storage 1 of `backend` (its `location`, read through `GET storages/1/`).
pub async fn source(backend: &RunningDevBackend) -> Source {
    let storage = client_of(backend.url(), quick(0, 1, 1)).get_storage(1).await.expect("storage 1");
    let root = PathBuf::from(storage.configuration["location"].as_str().expect("storage 1's location"));
    let dir = tempfile::Builder::new().prefix("upload-").tempdir_in(&root).expect("a folder in the storage");
    Source { dir, root }
}

/// The content of pair `index`'s image.
pub fn image_bytes(index: usize) -> Vec<u8> {
    format!("\u{89}PNG image {index}").into_bytes()
}

/// Writes `count` pairs under `dir`: `image_1/img_<i>.png` and `data_meta_1/img_<i>.json`.
pub fn write_pairs(dir: &Path, count: usize) {
    for folder in ["image_1", "data_meta_1"] {
        std::fs::create_dir_all(dir.join(folder)).expect("a folder");
    }
    for index in 0..count {
        std::fs::write(dir.join(format!("image_1/img_{index:04}.png")), image_bytes(index)).expect("an image");
        std::fs::write(dir.join(format!("data_meta_1/img_{index:04}.json")), format!("{{\"index\": {index}}}"))
            .expect("a JSON file");
    }
}

/// A context of an `upload` run against `backend`, keeping its events.
pub fn context(backend: &RunningDevBackend) -> (Context, Arc<MemorySink>) {
    let memory = Arc::new(MemorySink::new());
    let client = client_of(backend.url(), quick(2, 5, 20));
    let ctx = Context::builder("upload").sink(memory.clone()).backend(Some(client)).build();
    (ctx, memory)
}

/// The data of every `event` log event, in order.
pub fn logs(events: &[Event], event: &str) -> Vec<Value> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Log { event: name, data, .. } if name == event => Some(data.clone()),
            _ => None,
        })
        .collect()
}

/// The last metrics of `category`.
pub fn last_metrics(events: &[Event], category: &str) -> Option<Value> {
    events.iter().rev().find_map(|e| match &e.kind {
        EventKind::Metrics { category: name, values } if name == category => serde_json::to_value(values).ok(),
        _ => None,
    })
}

/// The steps whose rollback started, in order.
pub fn rollbacks(events: &[Event]) -> Vec<String> {
    events.iter().filter(|e| matches!(e.kind, EventKind::RollbackStarted {})).filter_map(|e| e.step.clone()).collect()
}
