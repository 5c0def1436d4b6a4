//! The dataset cache: downloaded datasets kept on disk, found again by backend, version and
//! splits.

use super::download::Summary;
use super::{DatasetError, progress::Observer};
use crate::backend::Split;
use sha1::{Digest, Sha1};
use std::fs::File;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The environment variable that places the dataset cache: a directory, or `off` (or empty) for
/// no cache.
pub const CACHE_ENV: &str = "SYNAPSE_DATASET_CACHE";

/// How many datasets the cache keeps by default (the least recently used go first).
pub const MAX_CACHE_ENTRIES: usize = 8;

/// The marker of a complete entry.
pub const COMPLETE_MARKER: &str = ".complete";

/// Where datasets are cached unless a request says otherwise: `$SYNAPSE_DATASET_CACHE` when set
/// (`off` or empty: nowhere), else `$XDG_CACHE_HOME/synapse/datasets`, else
/// `$HOME/.cache/synapse/datasets`; `None` (no cache) when none of these is set.
///
/// ```
/// match synapse::dataset::default_cache_dir() {
///     Some(dir) => println!("datasets are cached in {}", dir.display()),
///     None => println!("datasets are not cached"),
/// }
/// ```
pub fn default_cache_dir() -> Option<PathBuf> {
    crate::cache_dir::user_cache_dir(CACHE_ENV, "datasets")
}

/// A dataset cache directory, and how many entries it keeps.
///
/// # Layout
///
/// One directory ([`default_cache_dir`]) holds, flat:
///
/// - `<key>/`, a complete dataset ([`DatasetCache::key`]: `v<version>-<splits>-<hash>`), with
///   its `.complete` marker (the download's counts and skips, as JSON) written last, inside the
///   temporary directory before it is renamed: an entry without a marker (or whose split
///   directories are gone) is never a hit, and is replaced by the next download;
/// - `.tmp-<key>-<random>/`, a download in progress, renamed to `<key>/` once complete, and
///   removed when the download fails;
/// - `<key>.lock`, an empty file a download of `<key>` holds an exclusive lock on (`flock`):
///   a second download of the same key waits for the first, then finds its entry, so two
///   concurrent downloads produce one copy. Lock files are kept (they are empty; deleting one a
///   process may be waiting on would let two downloads run).
///
/// # Eviction
///
/// After each download into the cache, the entries beyond the [`MAX_CACHE_ENTRIES`] most
/// recently used go (a hit touches its marker; the entry just written is the newest), except
/// an entry whose lock is held; so do temporary directories whose key's lock is free (their
/// download died).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatasetCache {
    dir: PathBuf,
    max_entries: usize,
}

impl DatasetCache {
    /// The cache in `dir` (created when first written), keeping [`MAX_CACHE_ENTRIES`] entries.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        DatasetCache { dir: dir.into(), max_entries: MAX_CACHE_ENTRIES }
    }

    /// Keeps at most `max` entries (at least 1: the one just written).
    pub fn with_max_entries(mut self, max: usize) -> Self {
        self.max_entries = max.max(1);
        self
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a download: `v<version>-<splits>-<hash>`, the splits sorted (by their layout
    /// names, `+`-joined; `all` without splits) and the hash the first 12 hex digits of the
    /// SHA-1 of `origin` (the backend's host; [`download`](super::download) adds the version's
    /// creation time and event count, so a development backend started afresh, whose version 1
    /// is another dataset, misses), the version and the splits, so that two backends never share
    /// an entry.
    ///
    /// ```
    /// use synapse::backend::Split;
    /// use synapse::dataset::DatasetCache;
    /// let key = DatasetCache::key("https://api.example/", 12, &[Split::Validation, Split::Train]);
    /// assert!(key.starts_with("v12-train+valid-"), "{key}");
    /// assert_eq!(key, DatasetCache::key("https://api.example/", 12, &[Split::Train, Split::Validation]));
    /// assert_ne!(key, DatasetCache::key("https://other.example/", 12, &[Split::Train, Split::Validation]));
    /// ```
    pub fn key(origin: &str, version: u64, splits: &[Split]) -> String {
        let mut splits = splits.to_vec();
        splits.sort();
        splits.dedup();
        let names: Vec<&str> = splits.iter().map(|split| super::layout::split_dir_name(*split)).collect();
        let names = if names.is_empty() { super::download::ALL_SPLITS.to_owned() } else { names.join("+") };
        let digest = Sha1::digest(format!("{origin}\n{version}\n{names}").as_bytes());
        format!("v{version}-{names}-{}", &hex::encode(digest)[..12])
    }

    /// The entry of `key`, complete: its path and summary; else `fill` run on a temporary
    /// directory of the cache, renamed to the entry once it succeeded (see the module's
    /// documentation for the lock and the marker); then the eviction. The flag says whether
    /// the entry came from the cache.
    pub(super) async fn get_or_fill<F, Fut>(
        &self,
        key: &str,
        observer: &dyn Observer,
        fill: F,
    ) -> Result<(PathBuf, Summary, bool), DatasetError>
    where
        F: FnOnce(PathBuf) -> Fut,
        Fut: Future<Output = Result<Summary, DatasetError>>,
    {
        let entry = self.dir.join(key);
        if let Some(summary) = read_marker(&entry) {
            observer.cache_hit(&entry);
            return Ok((entry, summary, true));
        }
        std::fs::create_dir_all(&self.dir).map_err(|error| DatasetError::io(&self.dir, "created", error))?;
        let lock_path = self.dir.join(format!("{key}.lock"));
        let lock = File::create(&lock_path).map_err(|error| DatasetError::io(&lock_path, "created", error))?;
        let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
            .await
            .map_err(|error| DatasetError::io(&lock_path, "locked", error))?
            .map_err(|error| DatasetError::io(&lock_path, "locked", error))?;
        if let Some(summary) = read_marker(&entry) {
            observer.cache_hit(&entry);
            return Ok((entry, summary, true));
        }
        let temporary = tempfile::Builder::new()
            .prefix(&format!(".tmp-{key}-"))
            .tempdir_in(&self.dir)
            .map_err(|error| DatasetError::io(&self.dir, "given a temporary directory", error))?;
        // On failure, dropping `temporary` removes what was written: no partial entry remains.
        let summary = fill(temporary.path().to_owned()).await?;
        let marker = temporary.path().join(COMPLETE_MARKER);
        let text = serde_json::to_vec(&summary).map_err(|error| DatasetError::io(&marker, "written", error))?;
        std::fs::write(&marker, text).map_err(|error| DatasetError::io(&marker, "written", error))?;
        if entry.exists() {
            // An entry without its marker (emptied by hand): replaced.
            std::fs::remove_dir_all(&entry).map_err(|error| DatasetError::io(&entry, "removed", error))?;
        }
        let kept = temporary.keep();
        std::fs::rename(&kept, &entry).map_err(|error| {
            let _ = std::fs::remove_dir_all(&kept);
            DatasetError::io(&entry, "renamed into place", error)
        })?;
        drop(lock);
        self.evict();
        Ok((entry, summary, false))
    }

    /// Applies the eviction rule (module documentation): the entries beyond the most recently
    /// used [`with_max_entries`](Self::with_max_entries) go, and dead temporary directories;
    /// the paths removed. Entries and directories being written are left alone; what cannot
    /// be removed is left for the next time.
    pub fn evict(&self) -> Vec<PathBuf> {
        let Ok(listing) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut entries = Vec::new();
        let mut temporary = Vec::new();
        for item in listing.flatten() {
            let path = item.path();
            let Some(name) = path.file_name().and_then(|name| name.to_str()).map(str::to_owned) else { continue };
            if !path.is_dir() {
                continue;
            }
            if let Some(rest) = name.strip_prefix(".tmp-") {
                // `.tmp-<key>-<random>`: the key is what precedes the last `-`.
                if let Some((key, _)) = rest.rsplit_once('-') {
                    temporary.push((key.to_owned(), path));
                }
            } else if let Ok(used) = std::fs::metadata(path.join(COMPLETE_MARKER)).and_then(|meta| meta.modified()) {
                entries.push((used, name, path));
            }
        }
        entries.sort_by_key(|(used, _, _)| std::cmp::Reverse(*used));
        let mut removed = Vec::new();
        let stale = entries.into_iter().skip(self.max_entries).map(|(_, key, path)| (key, path));
        for (key, path) in stale.chain(temporary) {
            let Some(_lock) = self.try_lock(&key) else { continue };
            if std::fs::remove_dir_all(&path).is_ok() {
                removed.push(path);
            }
        }
        removed
    }

    /// The lock of `key`, when no one holds it.
    fn try_lock(&self, key: &str) -> Option<File> {
        let file = File::create(self.dir.join(format!("{key}.lock"))).ok()?;
        file.try_lock().ok().map(|()| file)
    }
}

/// The summary in `entry`'s marker, touched (the entry was used now); `None` when the entry
/// is not complete: no marker, or a split's `json/` directory gone (an entry emptied by hand is
/// downloaded again, and replaced).
fn read_marker(entry: &Path) -> Option<Summary> {
    let marker = entry.join(COMPLETE_MARKER);
    let summary: Summary = serde_json::from_slice(&std::fs::read(&marker).ok()?).ok()?;
    let split_dir = |split: &str| if split == super::ALL_SPLITS { entry.to_owned() } else { entry.join(split) };
    if !summary.splits.keys().all(|split| split_dir(split).join(super::JSON_DIR).is_dir()) {
        return None;
    }
    if let Ok(file) = File::options().append(true).open(&marker) {
        // A marker that cannot be touched only ages sooner.
        let _ = file.set_modified(SystemTime::now());
    }
    Some(summary)
}
