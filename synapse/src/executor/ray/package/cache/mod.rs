//! The package cache: built packages kept on disk and found again by what they were built
//! from, checked with `stat` only.
//!
//! # Layout
//!
//! One directory ([`default_cache_dir`]) holds, flat:
//!
//! - `<slot>.json`, one manifest per *slot*: a binary path, a plugin directory and the
//!   builder's settings (its ignore rules, size limit, binary name, stripping, the paths of
//!   its extra files), the package format and the synapse version, hashed. A rebuilt binary
//!   takes over its slot, so one plugin keeps one entry however often it is rebuilt. The
//!   manifest holds the *identity* of the inputs (the BLAKE3 of every packaged file's path,
//!   mode and [`Stamp`], and of every extra file's content), the package's name, hash, size and
//!   entries, and the stamp of its zip;
//! - `_ray_pkg_<hash>.zip`, the packages, named by content as in the cluster;
//! - `.tmp*`, files being written: every file is complete before it is renamed into place, so
//!   concurrent builds never see half a file (the last manifest renamed wins; each names a
//!   complete zip).
//!
//! # Checks
//!
//! A build stats the binary and walks the plugin directory (opening only directories and
//! ignore files), and uses the cached zip when the manifest of its slot has the same identity
//! and the zip's stamp is unchanged; the zip is kept open from then on, so a concurrent prune
//! cannot take it away. Anything else (no manifest, an unreadable or foreign one, a missing or
//! changed zip) is a miss: the package is built again and the slot rewritten. A package built
//! from a file changed within [`RACY_WINDOW`] of the build is not cached (see
//! [`Stamp::is_racy`]). What `stat` cannot see, a zip corrupted on disk without its ctime
//! changing, is caught when the package is read to be uploaded: its content must still hash to
//! its name ([`PluginPackage::read_zip`]), else the zip is deleted and the build fails once.
//!
//! # Bounds
//!
//! After each store, the least recently used slots (a hit touches its manifest) beyond
//! [`MAX_CACHE_ENTRIES`] or [`MAX_CACHE_BYTES`] of zips are dropped with their zips (the newest
//! is always kept); zips no manifest ever named and temporary files go once older than ten
//! minutes (a concurrent build may be about to name them).
//!
//! Files: this one holds the cache's keys, its manifests, and finding and storing a package;
//! `dir.rs` where the cache is, `prune.rs` its bounds.

mod dir;
mod prune;

pub use dir::{CACHE_ENV, default_cache_dir};
pub use prune::{MAX_CACHE_BYTES, MAX_CACHE_ENTRIES};

use super::PackageEntry;
use super::PluginPackage;
use super::archive::{self, Written};
use super::walk::{Content, Source, Stamp};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};
use tempfile::TempPath;

/// A package built from a file that changed less than this before the build is not cached:
/// file times tick every 1–10 ms on Linux (one jiffy), so within that time a second change can
/// leave the same stamp.
pub const RACY_WINDOW: Duration = Duration::from_millis(50);

/// The package format: bump it when the same inputs would give other bytes.
const FORMAT: u32 = 2;

/// What a package is built from besides its files; every field decides its bytes.
#[derive(Serialize)]
pub(super) struct Settings<'a> {
    /// The binary, canonical.
    pub(super) binary: &'a Path,
    pub(super) binary_name: &'a str,
    /// The plugin directory, canonical.
    pub(super) plugin_dir: Option<&'a Path>,
    pub(super) default_ignores: bool,
    pub(super) ignores: &'a [String],
    pub(super) size_limit: u64,
    pub(super) strip_debug: bool,
}

/// Where a build's package is cached (its slot) and what it must have been built from.
pub(super) struct Key {
    slot: String,
    identity: String,
}

impl Key {
    /// The key of a build, or `None` when it cannot have one (a path that is not UTF-8).
    pub(super) fn new(settings: &Settings<'_>, sources: &[Source]) -> Option<Key> {
        #[derive(Serialize)]
        struct Slot<'a> {
            format: u32,
            synapse: &'static str,
            settings: &'a Settings<'a>,
            extra_files: Vec<&'a str>,
        }
        #[derive(Serialize)]
        struct Input<'a> {
            path: &'a str,
            executable: bool,
            file: Option<&'a Path>,
            stamp: Option<&'a Stamp>,
            content: Option<String>,
        }
        let extra_files = sources
            .iter()
            .filter(|source| matches!(source.content, Content::Bytes(_)))
            .map(|source| source.path.as_str())
            .collect();
        let slot = Slot { format: FORMAT, synapse: env!("CARGO_PKG_VERSION"), settings, extra_files };
        let slot = blake3::hash(&serde_json::to_vec(&slot).ok()?).to_hex()[..32].to_owned();
        let inputs: Vec<Input<'_>> = sources
            .iter()
            .map(|source| match &source.content {
                Content::File { path, stamp } => Input {
                    path: &source.path,
                    executable: source.executable,
                    file: Some(path),
                    stamp: Some(stamp),
                    content: None,
                },
                Content::Bytes(bytes) => Input {
                    path: &source.path,
                    executable: source.executable,
                    file: None,
                    stamp: None,
                    content: Some(blake3::hash(bytes).to_hex().to_string()),
                },
            })
            .collect();
        let identity = blake3::hash(&serde_json::to_vec(&(&slot, inputs)).ok()?).to_hex().to_string();
        Some(Key { slot, identity })
    }
}

/// A slot's manifest.
#[derive(Serialize, Deserialize)]
struct Manifest {
    format: u32,
    identity: String,
    hash: String,
    len: u64,
    binary: String,
    entries: Vec<PackageEntry>,
    /// The zip's stamp once in place.
    zip: Stamp,
}

/// The cache in one directory.
pub(super) struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache in `dir` (created if needed), or `None` when it cannot be used: the build
    /// goes on without it.
    pub(super) fn open(dir: &Path) -> Option<Cache> {
        match std::fs::create_dir_all(dir) {
            Ok(()) => Some(Cache { dir: dir.to_owned() }),
            Err(error) => {
                tracing::warn!("not caching plugin packages: cannot create `{}`: {error}", dir.display());
                None
            }
        }
    }

    fn manifest_path(&self, key: &Key) -> PathBuf {
        self.dir.join(format!("{}.json", key.slot))
    }

    /// The cached package of `key`, if there is one still as it was stored.
    pub(super) fn lookup(&self, key: &Key) -> Option<PluginPackage> {
        let manifest_path = self.manifest_path(key);
        let text = match std::fs::read(&manifest_path) {
            Ok(text) => text,
            Err(error) => {
                tracing::debug!("plugin package cache: no entry `{}`: {error}", manifest_path.display());
                return None;
            }
        };
        let miss = |why: &str| {
            tracing::debug!("plugin package cache: `{}` is not used: {why}", manifest_path.display());
            None
        };
        let Ok(manifest) = serde_json::from_slice::<Manifest>(&text) else {
            return miss("it cannot be read as a manifest");
        };
        if manifest.format != FORMAT {
            return miss("another package format");
        }
        if manifest.identity != key.identity {
            return miss("the binary, a packaged file or a setting changed");
        }
        let Some(name) = package_name(&manifest.hash) else {
            return miss("it names no valid package");
        };
        let zip_path = self.dir.join(&name);
        let Ok(file) = File::open(&zip_path) else {
            return miss("its zip is missing");
        };
        if file.metadata().map(|metadata| Stamp::of(&metadata)).ok() != Some(manifest.zip) {
            return miss("its zip changed");
        }
        // Recently used, for the prune.
        if let Ok(manifest_file) = File::options().append(true).open(&manifest_path) {
            let _ = manifest_file.set_modified(SystemTime::now());
        }
        Some(PluginPackage::from_parts(
            file,
            Some(zip_path),
            manifest.len,
            manifest.hash,
            manifest.binary,
            manifest.entries,
            true,
        ))
    }

    /// A temporary file in the cache directory to write a zip into.
    pub(super) fn temp_file(&self) -> io::Result<(File, TempPath)> {
        Ok(tempfile::NamedTempFile::new_in(&self.dir)?.into_parts())
    }

    /// Puts a built zip in place and records it under `key`, then prunes. Never fails: what
    /// cannot be cached is returned uncached (its open file survives its name).
    pub(super) fn store(&self, key: &Key, written: Written, temp: TempPath, binary: String) -> PluginPackage {
        let Written { file, len, hash, entries } = written;
        let uncached = |file: File, hash: String, binary: String, entries: Vec<PackageEntry>| {
            PluginPackage::from_parts(file, None, len, hash, binary, entries, false)
        };
        let Some(name) = package_name(&hash) else {
            return uncached(file, hash, binary, entries);
        };
        let zip_path = self.dir.join(&name);
        // A zip already in place (from a concurrent build of the same plugin, or another slot)
        // is used when it holds the same bytes, so that every manifest names the same file;
        // one that does not is replaced.
        let placed = match temp.persist_noclobber(&zip_path) {
            Ok(()) => Ok(None),
            Err(error) if error.error.kind() == io::ErrorKind::AlreadyExists => {
                let same = File::open(&zip_path).ok().and_then(|mut existing| {
                    let found = archive::hash_file(&mut existing).ok()?;
                    (found.0 == len && found.1 == hash).then_some(existing)
                });
                match same {
                    Some(existing) => Ok(Some(existing)),
                    None => error.path.persist(&zip_path).map(|()| None).map_err(|error| error.error),
                }
            }
            Err(error) => Err(error.error),
        };
        let file = match placed {
            Ok(None) => file,
            Ok(Some(existing)) => existing,
            Err(error) => {
                // The temporary file is gone, but this package keeps it open.
                tracing::warn!("not caching plugin package {name}: {error}");
                return uncached(file, hash, binary, entries);
            }
        };
        let stamp = match file.metadata() {
            Ok(metadata) => Stamp::of(&metadata),
            Err(_) => return uncached(file, hash, binary, entries),
        };
        let manifest =
            Manifest { format: FORMAT, identity: key.identity.clone(), hash, len, binary, entries, zip: stamp };
        if let Err(error) = self.write_manifest(key, &manifest) {
            tracing::warn!("not caching plugin package {name}: cannot write its manifest: {error}");
        }
        self.prune();
        let Manifest { hash, binary, entries, .. } = manifest;
        PluginPackage::from_parts(file, Some(zip_path), len, hash, binary, entries, false)
    }

    fn write_manifest(&self, key: &Key, manifest: &Manifest) -> io::Result<()> {
        let mut temp = tempfile::NamedTempFile::new_in(&self.dir)?;
        temp.write_all(&serde_json::to_vec_pretty(manifest).map_err(io::Error::other)?)?;
        temp.persist(self.manifest_path(key)).map_err(|error| error.error)?;
        Ok(())
    }
}

/// The package name of a BLAKE3 in hex, checked (a manifest is read from disk).
pub(super) fn package_name(hash: &str) -> Option<String> {
    let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    valid.then(|| format!("_ray_pkg_{}.zip", &hash[..super::NAME_HASH_LEN]))
}
