//! Where an export writes: [`ExportDir`], its directory in a storage (`<path>/<name>-<run
//! id>/` with `labels/` and `origin_files/`), made unique, written through
//! [`Storage`](crate::storage::Storage), removed whole by a rollback; and
//! [`ItemOutput`], what the save hooks of one item get.

use super::ExportError;
use crate::backend::BackendClient;
use crate::storage::{Provider, Storage, StorageError};
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
#[derive(Clone, Debug)]
pub struct ExportDir {
    storage: Arc<dyn Storage>,
    prefix: String,
}

impl ExportDir {
    /// The directory `prefix` (a storage key, `exports/gt-1a2b3c4d`) of `storage`; nothing is made.
    pub fn new(storage: Arc<dyn Storage>, prefix: impl Into<String>) -> Self {
        ExportDir { storage, prefix: prefix.into() }
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
        let parent = path.trim_matches('/');
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
        let dir = ExportDir { storage, prefix };
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
        local_path(self.storage.as_ref(), &self.prefix)
    }

    /// Writes `bytes` at `relative`; its key.
    ///
    /// # Errors
    /// What the storage met.
    pub async fn put_bytes(&self, relative: &str, bytes: Vec<u8>) -> Result<String, StorageError> {
        let key = self.key(relative);
        self.storage.put_bytes(&key, bytes).await?;
        Ok(key)
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
/// export: collisions are resolved before any item is saved), a scratch directory of its own
/// (removed once the item is saved), and the backend client to download with.
#[derive(Clone, Copy, Debug)]
pub struct ItemOutput<'a> {
    /// The export's directory.
    pub dir: &'a ExportDir,
    /// The stem the item's files are named after (`img_0001`, or `img_0001__42` when another
    /// item of the export had the name first).
    pub stem: &'a str,
    /// A local directory for the item's downloads, removed after its save.
    pub scratch: &'a Path,
    /// The backend client.
    pub client: &'a BackendClient,
}
