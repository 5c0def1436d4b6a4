//! The cache's bounds: after each store, the least recently used slots beyond them go, with
//! their zips, and so do zips and temporary files nothing names (see "Bounds" in `mod.rs`).

use super::{Cache, Manifest, package_name};
use std::collections::HashSet;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The most slots (plugin binaries with their directory and settings) the cache keeps.
pub const MAX_CACHE_ENTRIES: usize = 32;

/// The most bytes of packages the cache keeps (the newest package is kept whatever its size).
pub const MAX_CACHE_BYTES: u64 = 1024 * 1024 * 1024;

/// Unnamed zips and temporary files younger than this are left alone by a prune.
const ORPHAN_GRACE: Duration = Duration::from_secs(10 * 60);

impl Cache {
    /// Drops the least recently used slots beyond the bounds, and zips and temporary files
    /// nothing names.
    pub(super) fn prune(&self) {
        let Ok(listing) = std::fs::read_dir(&self.dir) else { return };
        let now = SystemTime::now();
        let age = |modified: SystemTime| now.duration_since(modified).unwrap_or_default();
        let mut manifests = Vec::new();
        let mut zips = Vec::new();
        for entry in listing.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name().and_then(|name| name.to_str()).map(str::to_owned) else { continue };
            let Ok(modified) = entry.metadata().and_then(|metadata| metadata.modified()) else { continue };
            if name.ends_with(".json") {
                match std::fs::read(&path).ok().and_then(|text| serde_json::from_slice::<Manifest>(&text).ok()) {
                    Some(manifest) => manifests.push((modified, path, manifest)),
                    None => remove(&path),
                }
            } else if name.starts_with("_ray_pkg_") && name.ends_with(".zip") {
                zips.push((modified, path, name));
            } else if name.starts_with(".tmp") && age(modified) > ORPHAN_GRACE {
                remove(&path);
            }
        }
        manifests.sort_by_key(|manifest| std::cmp::Reverse(manifest.0));
        let mut named = HashSet::new();
        let mut evicted = HashSet::new();
        let mut bytes = 0;
        let mut full = false;
        for (index, (_, path, manifest)) in manifests.iter().enumerate() {
            let zip = package_name(&manifest.hash).unwrap_or_default();
            let added = if named.contains(&zip) { 0 } else { manifest.len };
            full = full || (index > 0 && (index >= MAX_CACHE_ENTRIES || bytes + added > MAX_CACHE_BYTES));
            if full {
                remove(path);
                evicted.insert(zip);
            } else {
                bytes += added;
                named.insert(zip);
            }
        }
        // An evicted slot's zip goes now; a zip no manifest ever named may be a concurrent
        // build's, about to be named.
        for (modified, path, name) in zips {
            if !named.contains(&name) && (evicted.contains(&name) || age(modified) > ORPHAN_GRACE) {
                remove(&path);
            }
        }
    }
}

fn remove(path: &Path) {
    if let Err(error) = std::fs::remove_file(path)
        && error.kind() != io::ErrorKind::NotFound
    {
        tracing::debug!("plugin package cache: cannot remove `{}`: {error}", path.display());
    }
}
