//! The download engine: a version's events read page after page, their files downloaded
//! concurrently (at most [`DownloadRequest::concurrency`] at once, each retried by the client),
//! each event's annotation JSON written, into one directory in the layout of `layout.rs`.

use super::progress::{Observer, Phase};
use super::{DatasetError, DownloadRequest, SkipReason, Skipped, SplitCounts, dm, layout};
use crate::backend::{BackendClient, BackendError, GroundTruthEvent, Split};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use tokio::sync::Semaphore;

/// What a download wrote: per split its counts, the events skipped, the bytes downloaded. The
/// cache keeps it in an entry's `.complete` marker.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Summary {
    pub(super) splits: BTreeMap<String, SplitCounts>,
    pub(super) skipped: Vec<Skipped>,
    pub(super) bytes: u64,
}

/// One event to download: where its split's files go, and its stem there.
struct Planned {
    event: GroundTruthEvent,
    split: String,
    dir: PathBuf,
    stem: String,
}

/// An event done: kept (its counts and its line of `events.jsonl`), or skipped.
enum Outcome {
    Kept {
        split: String,
        dir: PathBuf,
        id: u64,
        annotations: u64,
        bytes: u64,
        line: Value,
    },
    Skipped(Skipped),
    /// Not done: another event failed first.
    Stopped,
}

/// What the events' tasks share.
struct Shared<'a> {
    client: &'a BackendClient,
    observer: &'a dyn Observer,
    permits: Semaphore,
    files_total: u64,
    files_done: AtomicU64,
    events_total: u64,
    events_written: AtomicU64,
    /// Set once an event failed: the events not started yet stop at once, so that nothing is
    /// still writing when the download returns its error.
    stopped: AtomicBool,
}

/// The name of the split under which the events of a download without splits are counted.
pub const ALL_SPLITS: &str = "all";

/// The version's record: [`DatasetError::VersionNotFound`] for a 404.
pub(super) async fn read_version(
    client: &BackendClient,
    version: u64,
) -> Result<crate::backend::GroundTruthDatasetVersion, DatasetError> {
    client.get_ground_truth_dataset_version(version).await.map_err(|source| match source {
        BackendError::Status { status: 404, .. } => DatasetError::VersionNotFound { version },
        source => DatasetError::Backend {
            what: format!("reading ground-truth dataset version {version}"),
            source: Box::new(source),
        },
    })
}

/// Downloads `request`'s version into `root` (created): reads the version, then every split's
/// events, then their files and annotations.
pub(super) async fn download_into(
    client: &BackendClient,
    request: &DownloadRequest,
    root: &Path,
    observer: &dyn Observer,
) -> Result<Summary, DatasetError> {
    let version = request.version;
    read_version(client, version).await?;
    let targets: Vec<Option<Split>> =
        if request.splits.is_empty() { vec![None] } else { request.sorted_splits().into_iter().map(Some).collect() };
    let mut planned = Vec::new();
    let mut fetched = 0;
    for split in targets {
        let name = split.map_or(ALL_SPLITS, layout::split_dir_name).to_owned();
        let mut events = Vec::new();
        let mut pages = std::pin::pin!(client.list_ground_truth_events_in_pages_of(version, split, request.page_size));
        while let Some(event) = pages.try_next().await.map_err(|source| DatasetError::Backend {
            what: format!("listing the events of ground-truth dataset version {version}, split {name}"),
            source: Box::new(source),
        })? {
            events.push(event);
            fetched += 1;
            observer.progress(Phase::Fetch, fetched, 0);
        }
        match split {
            _ if !events.is_empty() => {}
            Some(split) => {
                return Err(DatasetError::EmptySplit { version, split: name, category: split.as_str().to_owned() });
            }
            None => return Err(DatasetError::EmptyVersion { version }),
        }
        let dir = if split.is_some() { root.join(&name) } else { root.to_owned() };
        for sub in [layout::JSON_DIR, layout::FILES_DIR] {
            let path = dir.join(sub);
            tokio::fs::create_dir_all(&path).await.map_err(|error| DatasetError::io(&path, "created", error))?;
        }
        let stems = layout::assign_stems(&events);
        planned.extend(events.into_iter().zip(stems).map(|(event, stem)| Planned {
            event,
            split: name.clone(),
            dir: dir.clone(),
            stem,
        }));
    }
    observer.progress(Phase::Fetch, fetched, fetched);

    let concurrency = request.concurrency.max(1);
    let shared = Shared {
        client,
        observer,
        permits: Semaphore::new(concurrency),
        files_total: planned.iter().map(|planned| planned.event.files.len() as u64).sum(),
        files_done: AtomicU64::new(0),
        events_total: planned.len() as u64,
        events_written: AtomicU64::new(0),
        stopped: AtomicBool::new(false),
    };
    // The futures are made first: a stream that maps with a closure over references would not be
    // `Send` (rustc's higher-ranked lifetime limitation), and neither would a download.
    let events: Vec<_> = planned.iter().map(|planned| fetch_event(&shared, planned)).collect();
    let mut running = stream::iter(events).buffer_unordered(concurrency);
    let (mut outcomes, mut failure) = (Vec::new(), None);
    // Every event runs to its end (those after a failure at once), so no file is being written
    // when the error is returned and the directory removed.
    while let Some(outcome) = running.next().await {
        match outcome {
            Ok(outcome) => outcomes.push(outcome),
            Err(error) => {
                shared.stopped.store(true, Ordering::Relaxed);
                failure.get_or_insert(error);
            }
        }
    }
    match failure {
        Some(error) => Err(error),
        None => finish(version, outcomes).await,
    }
}

/// Counts the outcomes and writes each split's `events.jsonl`, events by id.
async fn finish(version: u64, outcomes: Vec<Outcome>) -> Result<Summary, DatasetError> {
    let mut summary = Summary::default();
    let mut lines: BTreeMap<PathBuf, Vec<(u64, Value)>> = BTreeMap::new();
    for outcome in outcomes {
        match outcome {
            Outcome::Kept { split, dir, id, annotations, bytes, line } => {
                let counts = summary.splits.entry(split).or_default();
                counts.images += 1;
                counts.annotations += annotations;
                summary.bytes += bytes;
                lines.entry(dir).or_default().push((id, line));
            }
            Outcome::Skipped(skipped) => summary.skipped.push(skipped),
            Outcome::Stopped => {}
        }
    }
    summary.skipped.sort_by_key(|skipped| skipped.event);
    if summary.splits.is_empty()
        && let Some(first) = summary.skipped.first()
    {
        return Err(DatasetError::AllSkipped { version, count: summary.skipped.len(), first: Box::new(first.clone()) });
    }
    for (dir, mut events) in lines {
        events.sort_by_key(|(id, _)| *id);
        let mut text = String::new();
        for (_, line) in events {
            text.push_str(&line.to_string());
            text.push('\n');
        }
        let path = dir.join(layout::EVENTS_FILE);
        tokio::fs::write(&path, text).await.map_err(|error| DatasetError::io(&path, "written", error))?;
    }
    Ok(summary)
}

/// A file of an event, downloaded or not.
struct Fetched<'a> {
    spec: &'a str,
    name: String,
    primary: bool,
    outcome: Result<u64, BackendError>,
}

/// Downloads an event's files (each holding one of the shared permits), checks its primary
/// image, and writes its annotation JSON.
async fn fetch_event(shared: &Shared<'_>, planned: &Planned) -> Result<Outcome, DatasetError> {
    let Planned { event, split, dir, stem } = planned;
    if shared.stopped.load(Ordering::Relaxed) {
        return Ok(Outcome::Stopped);
    }
    let files_dir = dir.join(layout::FILES_DIR);
    let primary = event.primary_file().map(|(spec, _)| spec);
    let downloads = event.files.iter().map(|(spec, file)| {
        let is_primary = primary == Some(spec.as_str());
        let name = layout::file_name(stem, spec, &file.url, is_primary);
        let dest = files_dir.join(&name);
        async move {
            let outcome = match shared.permits.acquire().await {
                Ok(_permit) if !shared.stopped.load(Ordering::Relaxed) => {
                    shared.client.download(&file.url, &dest).await
                }
                Ok(_) => Err(BackendError::Config("the download stopped".to_owned())),
                Err(closed) => Err(BackendError::Config(closed.to_string())),
            };
            let done = shared.files_done.fetch_add(1, Ordering::Relaxed) + 1;
            shared.observer.progress(Phase::Download, done, shared.files_total);
            Fetched { spec, name, primary: is_primary, outcome }
        }
    });
    let mut fetched = futures_util::future::join_all(downloads).await;
    if shared.stopped.load(Ordering::Relaxed) {
        return Ok(Outcome::Stopped);
    }
    let skip = |url: Option<&str>, reason: SkipReason| Skipped {
        event: event.id,
        split: split.clone(),
        url: url.map(layout::without_query),
        reason,
    };
    let Some(primary) = primary else {
        return Ok(skipped(shared, &fetched, &files_dir, skip(None, SkipReason::NoImage)));
    };
    let primary_url = event.files[primary].url.as_str();
    let gone = |file: &Fetched<'_>| matches!(file.outcome, Err(BackendError::Status { status: 404 | 410, .. }));
    if let Some(file) = fetched.iter().find(|file| file.primary && gone(file))
        && let Err(BackendError::Status { status, .. }) = &file.outcome
    {
        let reason = SkipReason::Missing { status: *status };
        return Ok(skipped(shared, &fetched, &files_dir, skip(Some(primary_url), reason)));
    }
    // Another file that is gone is no failure: it is left out of `events.jsonl` (for a
    // `data_meta_*` file, the event's `data` is read instead).
    if let Some(index) = fetched.iter().position(|file| file.outcome.is_err() && !gone(file)) {
        let file = fetched.swap_remove(index);
        let url = layout::without_query(&event.files[file.spec].url);
        if let Err(source) = file.outcome {
            return Err(DatasetError::File { event: event.id, url, source: Box::new(source) });
        }
    }
    let bytes: u64 = fetched.iter().filter_map(|file| file.outcome.as_ref().ok()).sum();
    let image =
        files_dir.join(fetched.iter().find(|file| file.primary).map(|file| file.name.as_str()).unwrap_or_default());
    if let Err(reason) = check_image(image).await {
        return Ok(skipped(shared, &fetched, &files_dir, skip(Some(primary_url), SkipReason::Corrupt { reason })));
    }
    let meta = fetched
        .iter()
        .filter(|file| file.spec.starts_with("data_meta") && file.outcome.is_ok() && file.name.ends_with(".json"))
        .find_map(|file| {
            std::fs::read(files_dir.join(&file.name)).ok().and_then(|text| serde_json::from_slice(&text).ok())
        });
    let document = dm::written(dm::source(meta, &event.data))
        .map_err(|reason| DatasetError::Annotations { event: event.id, reason })?;
    let json_path = dir.join(layout::JSON_DIR).join(format!("{stem}.json"));
    let text = serde_json::to_vec_pretty(&document)
        .map_err(|error| DatasetError::Annotations { event: event.id, reason: error.to_string() })?;
    tokio::fs::write(&json_path, text).await.map_err(|error| DatasetError::io(&json_path, "written", error))?;
    let written = shared.events_written.fetch_add(1, Ordering::Relaxed) + 1;
    shared.observer.progress(Phase::Write, written, shared.events_total);
    Ok(Outcome::Kept {
        split: split.clone(),
        dir: dir.clone(),
        id: event.id,
        annotations: dm::annotation_count(&document),
        bytes,
        line: event_line(event, stem, &fetched),
    })
}

/// An event skipped: its downloaded files removed, the skip reported.
fn skipped(shared: &Shared<'_>, fetched: &[Fetched<'_>], files_dir: &Path, skipped: Skipped) -> Outcome {
    for file in fetched.iter().filter(|file| file.outcome.is_ok()) {
        // A file left behind would only be an orphan in `original_files/`.
        let _ = std::fs::remove_file(files_dir.join(&file.name));
    }
    shared.observer.skipped(&skipped);
    let done = shared.events_written.fetch_add(1, Ordering::Relaxed) + 1;
    shared.observer.progress(Phase::Write, done, shared.events_total);
    Outcome::Skipped(skipped)
}

/// The event as `events.jsonl` holds it: `{id, category, stem, files: {spec: {path, …}}}`, each
/// file's `url` replaced by its `path` relative to the split's directory (the SDK's
/// "url_conversion"); files that were gone are left out.
fn event_line(event: &GroundTruthEvent, stem: &str, fetched: &[Fetched<'_>]) -> Value {
    let mut files = Map::new();
    for file in fetched.iter().filter(|file| file.outcome.is_ok()) {
        let Some(info) = event.files.get(file.spec) else { continue };
        let mut entry = info.other.clone();
        entry.insert("path".to_owned(), json!(format!("{}/{}", layout::FILES_DIR, file.name)));
        entry.insert("file_type".to_owned(), json!(info.file_type));
        entry.insert("is_primary".to_owned(), json!(info.is_primary));
        files.insert(file.spec.to_owned(), Value::Object(entry));
    }
    json!({ "id": event.id, "category": event.category, "stem": stem, "files": files })
}

/// Whether the file at `path` is an image: its signature is one the `image` crate knows, and a
/// PNG's header reads (its size); the pixels are not decoded.
async fn check_image(path: PathBuf) -> Result<(), String> {
    let checked = tokio::task::spawn_blocking(move || {
        let reader = image::ImageReader::open(&path)
            .and_then(image::ImageReader::with_guessed_format)
            .map_err(|error| format!("cannot be read: {error}"))?;
        match reader.format() {
            None => Err("not an image (no known image signature)".to_owned()),
            Some(image::ImageFormat::Png) => {
                reader.into_dimensions().map(|_| ()).map_err(|error| format!("not a readable PNG: {error}"))
            }
            Some(_) => Ok(()),
        }
    })
    .await;
    checked.map_err(|error| format!("the check did not finish: {error}"))?
}
