//! Ground-truth datasets on disk: a dataset version of the Synapse backend downloaded into the
//! layout the SDK's `DatasetAction` writes (`plugins/actions/dataset/action.py`), and cached.
//!
//! [`download`] reads the version's ground-truth events page after page (one split after the
//! other, as the backend names them: `train`, `validation`, `test`), downloads their files at
//! most [`DownloadRequest::concurrency`] at once (each retried by the client), and writes:
//!
//! ```text
//! <dataset>/
//!   .complete                      the download's counts and skips (JSON), written last
//!   train/                         one directory per split, named as the SDK names it
//!     json/img_0001.json           the event's annotations (DM v2)
//!     original_files/img_0001.png  its primary file, named after the primary file's URL
//!     original_files/img_0001.data_meta_1.json   its other files
//!     events.jsonl                 each event with its files' local paths instead of URLs
//!   valid/ …
//! ```
//!
//! Without splits, one directory holds `json/`, `original_files/` and `events.jsonl`.
//!
//! [`convert_dataset`] converts such a directory to YOLO, COCO or Pascal VOC (or a format a
//! plugin registers a converter for) into `<dataset>/converted/<format>/`, and
//! [`run_dataset`] is a whole dataset action: download, then convert (the SDK's
//! `DatasetAction` with its `download` and `convert` operations).
//!
//! # Bad input
//!
//! - A version that does not exist: [`DatasetError::VersionNotFound`], before any listing.
//! - A split asked for without events: [`DatasetError::EmptySplit`] (a version without events at
//!   all: [`DatasetError::EmptyVersion`]).
//! - An event whose primary image is gone (404 or 410) or corrupt (no image signature, or a PNG
//!   whose header does not read), or that has no image: skipped — its files are removed, it is
//!   counted in [`DownloadedDataset::skipped`] and reported to the [`Observer`] (a warning event
//!   through a [`Context`](crate::Context)). When every event is skipped:
//!   [`DatasetError::AllSkipped`].
//! - Any other failure of a file (after the client's retries): [`DatasetError::File`], naming
//!   the event and the URL without its query; the download stops.
//!
//! A failed download leaves no cache entry (see [`DatasetCache`] for the cache's layout, its
//! lock and its eviction rule). With an explicit output directory there is no cache, and a failed
//! download leaves what it wrote, without a `.complete` marker.
//!
//! Needs the `dataset` feature.
//!
//! | file | holds |
//! |---|---|
//! | `download.rs` | the engine: events paged, files downloaded concurrently, annotations written |
//! | `cache.rs` | [`DatasetCache`]: keys, the lock, the atomic rename, eviction; [`default_cache_dir`] |
//! | `layout.rs` | directory and file names, stems and their collisions |
//! | `dm.rs` | the annotation JSON written for an event: DM v2 from its `data_meta_*` file or its `data` ([`crate::formats::dm`]) |
//! | `progress.rs` | [`Observer`], [`Phase`] |
//! | `params.rs` | [`DatasetParams`], [`DatasetOperation`]: what a dataset action is asked |
//! | `action.rs` | [`run_dataset`], [`download_for`], [`convert_for`]: a dataset action's run with its context, and its [`DatasetResult`] |
//! | `convert.rs` | [`convert_dataset`]: a dataset converted with the converter registry, kept beside its source |
//! | `error.rs` | [`DatasetError`] |

pub(crate) mod action;
mod cache;
mod convert;
pub(crate) mod dm;
mod download;
mod error;
mod layout;
mod messages;
mod params;
mod progress;

pub use action::{DatasetResult, convert_for, download_for, run_dataset};
pub use cache::{CACHE_ENV, COMPLETE_MARKER, DatasetCache, MAX_CACHE_ENTRIES, default_cache_dir};
pub use convert::{CONVERTED_DIR, ConvertedDataset, config_file, convert_dataset};
pub use download::ALL_SPLITS;
pub use error::DatasetError;
pub use layout::{EVENTS_FILE, FILES_DIR, JSON_DIR, split_dir_name};
pub use messages::DatasetMessage;
pub use params::{DatasetOperation, DatasetParams};
pub use progress::{NoProgress, Observer, Phase};

use crate::backend::{BackendClient, Split};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// How many files a download fetches at once unless told otherwise.
pub const DEFAULT_CONCURRENCY: usize = 8;

/// What to download: a ground-truth dataset version, its splits, where to.
///
/// ```
/// use synapse::backend::Split;
/// use synapse::dataset::DownloadRequest;
/// let request = DownloadRequest::new(12).splits([Split::Train, Split::Validation]).concurrency(16);
/// assert_eq!(request.output_dir, None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadRequest {
    /// The ground-truth dataset version's id (the SDK's `dataset` param).
    pub version: u64,
    /// The splits, each its own directory; empty: every event, in one directory.
    pub splits: Vec<Split>,
    /// Where to write the dataset instead of the cache (no cache is read or written).
    pub output_dir: Option<PathBuf>,
    /// The cache to use when there is no `output_dir`; [`default_cache_dir`] when `None`.
    pub cache: Option<DatasetCache>,
    /// How many files are downloaded at once ([`DEFAULT_CONCURRENCY`]; 0 counts as 1).
    pub concurrency: usize,
    /// Events per page of the listing ([`PAGE_SIZE`](crate::backend::PAGE_SIZE), the SDK's).
    pub page_size: usize,
}

impl DownloadRequest {
    /// Every event of `version`, into the default cache, [`DEFAULT_CONCURRENCY`] files at once.
    pub fn new(version: u64) -> Self {
        DownloadRequest {
            version,
            splits: Vec::new(),
            output_dir: None,
            cache: None,
            concurrency: DEFAULT_CONCURRENCY,
            page_size: crate::backend::PAGE_SIZE,
        }
    }

    /// With these splits.
    pub fn splits(mut self, splits: impl IntoIterator<Item = Split>) -> Self {
        self.splits = splits.into_iter().collect();
        self
    }

    /// Into `dir`, bypassing the cache.
    pub fn output_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.output_dir = Some(dir.into());
        self
    }

    /// With this cache.
    pub fn cache(mut self, cache: DatasetCache) -> Self {
        self.cache = Some(cache);
        self
    }

    /// With `files` downloads at once.
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files;
        self
    }

    /// With pages of `events`.
    pub fn page_size(mut self, events: usize) -> Self {
        self.page_size = events;
        self
    }

    /// The splits, sorted, each once.
    fn sorted_splits(&self) -> Vec<Split> {
        let mut splits = self.splits.clone();
        splits.sort();
        splits.dedup();
        splits
    }
}

/// What a split holds once downloaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitCounts {
    /// Events written (each one image and one annotation JSON).
    pub images: u64,
    /// Annotations in their JSON (boxes, polygons, …).
    pub annotations: u64,
}

/// Why an event was left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SkipReason {
    /// Its primary file answered 404 or 410.
    Missing {
        /// The status.
        status: u16,
    },
    /// Its primary file is not a readable image.
    Corrupt {
        /// What is wrong with it.
        reason: String,
    },
    /// It has no primary file and no image.
    NoImage,
}

/// An event left out of a download.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The event's id.
    pub event: u64,
    /// Its split, as the layout names it.
    pub split: String,
    /// Its primary file's URL without the query.
    pub url: Option<String>,
    /// Why.
    #[serde(flatten)]
    pub reason: SkipReason,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {} (split {})", self.event, self.split)?;
        if let Some(url) = &self.url {
            write!(f, ": {url}")?;
        }
        match &self.reason {
            SkipReason::Missing { status } => write!(f, ": the file is gone ({status})"),
            SkipReason::Corrupt { reason } => write!(f, ": the image is corrupt: {reason}"),
            SkipReason::NoImage => write!(f, ": the event has no image"),
        }
    }
}

/// A downloaded dataset.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadedDataset {
    /// Its directory (the cache entry, or the output directory).
    pub path: PathBuf,
    /// Per split (by its directory name; [`ALL_SPLITS`] without splits), what it holds.
    pub splits: BTreeMap<String, SplitCounts>,
    /// Whether it was found in the cache (nothing was downloaded).
    pub from_cache: bool,
    /// The events left out, by id.
    pub skipped: Vec<Skipped>,
    /// The bytes of the files downloaded for the events kept.
    pub bytes: u64,
}

impl DownloadedDataset {
    /// The events written, over every split.
    pub fn images(&self) -> u64 {
        self.splits.values().map(|counts| counts.images).sum()
    }
}

/// Downloads `request`'s dataset version (see the [module documentation](self)), reporting to
/// `observer`: into `request.output_dir` when given, else into the cache — a complete entry is
/// returned as it is, without a request for the media.
///
/// ```no_run
/// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::dataset::DatasetError> {
/// use synapse::backend::Split;
/// use synapse::dataset::{DownloadRequest, NoProgress, download};
/// let dataset = download(&client, &DownloadRequest::new(12).splits([Split::Train, Split::Validation]), &NoProgress).await?;
/// println!("{} images in {}", dataset.images(), dataset.path.display());
/// # Ok(()) }
/// ```
///
/// # Errors
/// [`DatasetError`]: each kind of bad input and failure, as the module documentation lists.
pub async fn download(
    client: &BackendClient,
    request: &DownloadRequest,
    observer: &dyn Observer,
) -> Result<DownloadedDataset, DatasetError> {
    if let Some(dir) = &request.output_dir {
        std::fs::create_dir_all(dir).map_err(|error| DatasetError::io(dir, "created", error))?;
        let summary = download::download_into(client, request, dir, observer).await?;
        let marker = dir.join(COMPLETE_MARKER);
        let text = serde_json::to_vec(&summary).map_err(|error| DatasetError::io(&marker, "written", error))?;
        std::fs::write(&marker, text).map_err(|error| DatasetError::io(&marker, "written", error))?;
        return Ok(result(dir.clone(), summary, false));
    }
    let cache = match &request.cache {
        Some(cache) => cache.clone(),
        None => DatasetCache::new(default_cache_dir().ok_or(DatasetError::NoCacheDir)?),
    };
    // A version is immutable on the platform, but a backend that starts afresh (a development
    // one) numbers its versions anew: the version's creation time and event count are in the key.
    let record = download::read_version(client, request.version).await?;
    let stamp =
        ["created", "event_count"].map(|field| record.other.get(field).map(ToString::to_string).unwrap_or_default());
    let origin = format!("{}\n{}", client.config().host.as_str(), stamp.join("\n"));
    let key = DatasetCache::key(&origin, request.version, &request.sorted_splits());
    let (path, summary, from_cache) = cache
        .get_or_fill(
            &key,
            observer,
            |dir| async move { download::download_into(client, request, &dir, observer).await },
        )
        .await?;
    Ok(result(path, summary, from_cache))
}

fn result(path: PathBuf, summary: download::Summary, from_cache: bool) -> DownloadedDataset {
    DownloadedDataset { path, splits: summary.splits, from_cache, skipped: summary.skipped, bytes: summary.bytes }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_survive_the_cache_marker_and_say_what_and_where() {
        let skipped = vec![
            Skipped {
                event: 7,
                split: "train".into(),
                url: Some("http://h/a.png".into()),
                reason: SkipReason::Missing { status: 404 },
            },
            Skipped {
                event: 9,
                split: "valid".into(),
                url: Some("http://h/b.png".into()),
                reason: SkipReason::Corrupt { reason: "not an image".into() },
            },
            Skipped { event: 11, split: "all".into(), url: None, reason: SkipReason::NoImage },
        ];
        let text = serde_json::to_string(&skipped).expect("JSON");
        assert_eq!(serde_json::from_str::<Vec<Skipped>>(&text).expect("read back"), skipped);
        assert_eq!(skipped[0].to_string(), "event 7 (split train): http://h/a.png: the file is gone (404)");
        assert_eq!(skipped[2].to_string(), "event 11 (split all): the event has no image");
    }
}
