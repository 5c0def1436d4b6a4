//! Where an export writes: [`ExportDir`], its directory in a storage (`<path>/<name>-<run
//! id>/` with `labels/` and `origin_files/`), made unique, written through
//! [`Storage`](crate::storage::Storage), removed whole by a rollback; and
//! [`ItemOutput`], what the save hooks of one item get (with its [`OriginalSlot`]).

use super::{ExportError, Original};
use crate::backend::{BackendClient, Fetched};
use crate::storage::{Provider, Storage, StorageError, check_key, relative_path};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The directory of the converted annotations.
pub const LABELS_DIR: &str = "labels";
/// The directory of the original files.
pub const ORIGINS_DIR: &str = "origin_files";
/// The error list written when files failed (the SDK's `_save_error_list`):
/// `{"json_file_name": [[name, reason], …], "origin_file_name": [[name, reason], …]}`.
pub const ERROR_LIST_FILE: &str = "error_file_list.json";

/// An export's directory in its storage. Keys handed to its methods are relative to it
/// (`labels/img_0001.json`).
///
/// On a local file system a file is written once, straight to its place, on one blocking
/// thread (its directory made only when it is missing): the directory is the run's own, and a
/// failed export removes it whole, so no file needs to land by a rename. Nothing is synced to
/// disk (no fsync), as [`LocalStorage`](crate::storage::LocalStorage) syncs nothing: an export
/// that must survive a crash of the machine right after it is synced by its reader's side.
/// Elsewhere each write goes through the storage.
#[derive(Clone, Debug)]
pub struct ExportDir {
    storage: Arc<dyn Storage>,
    prefix: String,
    /// Its directory on this machine, when the storage is the local file system.
    local: Option<PathBuf>,
}

impl ExportDir {
    /// The directory `prefix` (a storage key, `exports/gt-1a2b3c4d`) of `storage`; nothing is made.
    pub fn new(storage: Arc<dyn Storage>, prefix: impl Into<String>) -> Self {
        let prefix = prefix.into();
        let local = local_path(storage.as_ref(), &prefix);
        ExportDir { storage, prefix, local }
    }

    /// A directory of `storage` under `path` named `name`, or `name-2`, `name-3`, … when one of
    /// that name holds objects already; with its `labels/` (and `origin_files/` when
    /// `originals`) made on a local file system (object stores have no directories).
    ///
    /// # Errors
    /// [`ExportError::Output`] when the storage cannot be listed or the directories made.
    pub async fn create(
        storage: Arc<dyn Storage>,
        path: &str,
        name: &str,
        originals: bool,
    ) -> Result<Self, ExportError> {
        let parent = relative_path(path);
        let leaf = name.trim().replace(['/', '\\'], "_");
        let join = |leaf: &str| if parent.is_empty() { leaf.to_owned() } else { format!("{parent}/{leaf}") };
        let mut prefix = join(&leaf);
        for counter in 2.. {
            let taken = storage.list(&prefix).await.map_err(|error| output(&prefix, "listed", error))?;
            let local = local_path(storage.as_ref(), &prefix);
            if taken.is_empty() && !local.as_deref().is_some_and(Path::exists) {
                break;
            }
            prefix = join(&format!("{leaf}-{counter}"));
        }
        let dir = ExportDir::new(storage, prefix);
        if let Some(root) = dir.local_root() {
            let dirs = [Some(LABELS_DIR), originals.then_some(ORIGINS_DIR)];
            for sub in dirs.into_iter().flatten() {
                std::fs::create_dir_all(root.join(sub)).map_err(|error| ExportError::Io {
                    what: format!("making the export directory {}", root.join(sub).display()),
                    reason: error.to_string(),
                })?;
            }
        }
        Ok(dir)
    }

    /// The storage.
    pub fn storage(&self) -> &dyn Storage {
        self.storage.as_ref()
    }

    /// Its key in the storage (`exports/gt-1a2b3c4d`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The storage key of `relative` (`labels/a.json` → `exports/gt-1a2b3c4d/labels/a.json`).
    pub fn key(&self, relative: &str) -> String {
        format!("{}/{relative}", self.prefix)
    }

    /// Where it is, for people: its path on a local file system, else its URL
    /// (`s3://bucket/exports/gt-1a2b3c4d`), else its key.
    pub fn location(&self) -> String {
        if let Some(root) = self.local_root() {
            return root.display().to_string();
        }
        self.storage.url(&self.prefix).map(|url| url.to_string()).unwrap_or_else(|_| self.prefix.clone())
    }

    /// Its directory on this machine, when the storage is the local file system.
    pub fn local_root(&self) -> Option<PathBuf> {
        self.local.clone()
    }

    /// Writes `bytes` at `relative`; its key.
    ///
    /// # Errors
    /// What the storage met: [`StorageError::InvalidKey`] for a `relative` that is no key,
    /// [`StorageError::Operation`] naming the key and the reason.
    pub async fn put_bytes(&self, relative: &str, bytes: Vec<u8>) -> Result<String, StorageError> {
        let key = self.key(relative);
        let Some(root) = &self.local else {
            self.storage.put_bytes(&key, bytes).await?;
            return Ok(key);
        };
        let path = root.join(check_key(relative)?);
        let written = tokio::task::spawn_blocking(move || write_once(&path, &bytes)).await;
        let failed = |reason: String| StorageError::Operation {
            storage: self.storage.describe(),
            operation: "put",
            key: key.clone(),
            reason,
        };
        match written {
            Ok(Ok(())) => Ok(key),
            Ok(Err(error)) => Err(failed(error.to_string())),
            Err(error) => Err(failed(format!("the write stopped: {error}"))),
        }
    }

    /// Writes `value` as JSON at `relative` (compact, as the SDK writes labels); its key.
    ///
    /// # Errors
    /// What the storage met.
    pub async fn put_json(&self, relative: &str, value: &impl serde::Serialize) -> Result<String, StorageError> {
        let bytes = serde_json::to_vec(value).map_err(|error| StorageError::Operation {
            storage: self.storage.describe(),
            operation: "serialize",
            key: self.key(relative),
            reason: error.to_string(),
        })?;
        self.put_bytes(relative, bytes).await
    }

    /// Copies the local file `path` to `relative`; its key and size in bytes.
    ///
    /// # Errors
    /// What the storage met.
    pub async fn put_file(&self, relative: &str, path: &Path) -> Result<(String, u64), StorageError> {
        let key = self.key(relative);
        let size = self.storage.put_file(&key, path).await?;
        Ok((key, size))
    }

    /// Removes everything under the directory (and, on a local file system, the directory).
    ///
    /// # Errors
    /// [`ExportError::Output`] naming the object that could not be listed or removed.
    pub async fn remove(&self) -> Result<(), ExportError> {
        let objects = self.storage.list(&self.prefix).await.map_err(|error| output(&self.prefix, "listed", error))?;
        for object in objects {
            self.storage.delete(&object.key).await.map_err(|error| output(&object.key, "removed", error))?;
        }
        if let Some(root) = self.local_root()
            && root.exists()
        {
            std::fs::remove_dir_all(&root).map_err(|error| ExportError::Io {
                what: format!("removing the export directory {}", root.display()),
                reason: error.to_string(),
            })?;
        }
        Ok(())
    }
}

/// Writes `bytes` to `path`: its directory made only when missing; what was written of a failed
/// write removed.
fn write_once(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut written = std::fs::write(path, bytes);
    if let Err(error) = &written
        && error.kind() == ErrorKind::NotFound
        && let Some(parent) = path.parent()
    {
        std::fs::create_dir_all(parent)?;
        written = std::fs::write(path, bytes);
    }
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

/// The local path of `key` when `storage` is the local file system.
fn local_path(storage: &dyn Storage, key: &str) -> Option<PathBuf> {
    if storage.provider() != Provider::FileSystem {
        return None;
    }
    storage.url(key).ok()?.to_file_path().ok()
}

fn output(key: &str, what: &str, error: StorageError) -> ExportError {
    ExportError::Output { what: format!("`{key}` could not be {what}"), source: Box::new(error) }
}

/// What the save hooks of one item get: the export's directory, the item's stem (unique in the
/// export: collisions are resolved before any item is saved), the run's scratch directory
/// (for downloads too large to hold in memory, named after the stem), the backend client to
/// download with, and where the item's original is kept once fetched.
#[derive(Clone, Copy, Debug)]
pub struct ItemOutput<'a> {
    /// The export's directory.
    pub dir: &'a ExportDir,
    /// The stem the item's files are named after (`img_0001`, or `img_0001__42` when another
    /// item of the export had the name first).
    pub stem: &'a str,
    /// The run's local directory for large downloads (`<stem>.<ext>`), removed with the run.
    pub scratch: &'a Path,
    /// The backend client.
    pub client: &'a BackendClient,
    /// The item's original, once [`fetch_original`](super::fetch_original) fetched it.
    pub original: &'a OriginalSlot,
}

/// Where an item's [`Original`] is kept once fetched, so that both save hooks of the item get
/// it from one download (the `save_files` step gives each item a new one).
#[derive(Debug, Default)]
pub struct OriginalSlot {
    pub(super) cell: tokio::sync::OnceCell<Result<Original, String>>,
}

impl OriginalSlot {
    /// An empty slot.
    pub fn new() -> Self {
        OriginalSlot::default()
    }

    /// Removes the file of an original that was too large for memory (its item is saved).
    pub(crate) async fn discard(self) {
        if let Some(Ok(Original { body: Fetched::File { path, .. }, .. })) = self.cell.into_inner() {
            let _ = tokio::fs::remove_file(&path).await;
        }
    }
}
