//! [`LocalStorage`]: the `file_system` provider, a directory whose files are the objects (the
//! Python SDK's `utils/storage/providers/local.py`).

use super::key::{check_key, check_prefix};
use super::{ObjectInfo, Provider, Storage, StorageError, StorageFuture, Url};
use std::future::Future;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// A directory as a storage: the object at `a/b.png` is the file `<location>/a/b.png`.
///
/// Writes create the directories they need (when they are missing) and land whole (written to
/// a temporary file beside the target, then renamed), each on one blocking thread with `std::fs`.
/// They are not synced to disk (no fsync, for [`put_bytes`](Storage::put_bytes) and
/// [`put_file`](Storage::put_file) alike, as the SDK's local provider writes): a file is whole or
/// absent for every reader, but a crash of the machine soon after a write may lose it; a writer
/// that needs it on disk syncs it itself. Listings hold files only, and leave out those temporary
/// files (`.synapse-*.part`). No presigned URLs: [`StorageError::PresignUnsupported`].
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// use synapse::storage::{LocalStorage, Storage};
/// let root = tempfile::tempdir().unwrap();
/// let storage = LocalStorage::new(root.path());
/// storage.put_bytes("x/y.bin", vec![1, 2, 3]).await.unwrap();
/// assert!(root.path().join("x/y.bin").is_file());
/// assert!(storage.get_bytes("x/z.bin").await.unwrap_err().is_not_found());
/// # });
/// ```
#[derive(Clone, Debug)]
pub struct LocalStorage {
    root: PathBuf,
}

/// The start of the temporary files' names.
const PART_PREFIX: &str = ".synapse-";
const PART_SUFFIX: &str = ".part";

impl LocalStorage {
    /// The storage rooted at the directory `location` (the record's `location`); nothing is
    /// created until something is written.
    pub fn new(location: impl Into<PathBuf>) -> Self {
        LocalStorage { root: location.into() }
    }

    /// The directory the keys are relative to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`, after checking the key.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, StorageError> {
        Ok(self.root.join(check_key(key)?))
    }

    fn failed(&self, operation: &'static str, key: &str, error: std::io::Error) -> StorageError {
        if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) {
            return StorageError::NotFound { storage: self.describe(), key: key.to_owned() };
        }
        StorageError::Operation { storage: self.describe(), operation, key: key.to_owned(), reason: error.to_string() }
    }

    /// The file of `key`, which must be a file (not a directory).
    async fn existing_file(&self, key: &str) -> Result<PathBuf, StorageError> {
        let path = self.path_of(key)?;
        let metadata = tokio::fs::metadata(&path).await.map_err(|error| self.failed("get", key, error))?;
        if !metadata.is_file() {
            return Err(StorageError::NotFound { storage: self.describe(), key: key.to_owned() });
        }
        Ok(path)
    }
}

/// A temporary file beside `target`, named so that listings leave it out.
pub(crate) fn part_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!("{PART_PREFIX}{name}.{}{PART_SUFFIX}", uuid::Uuid::new_v4().simple()))
}

fn is_part(name: &str) -> bool {
    name.starts_with(PART_PREFIX) && name.ends_with(PART_SUFFIX)
}

impl Storage for LocalStorage {
    fn provider(&self) -> Provider {
        Provider::FileSystem
    }

    fn describe(&self) -> String {
        format!("file_system at {}", self.root.display())
    }

    fn url(&self, key: &str) -> Result<Url, StorageError> {
        let path = self.path_of(key)?;
        let absolute = std::path::absolute(&path).map_err(|error| StorageError::Operation {
            storage: self.describe(),
            operation: "url of",
            key: key.to_owned(),
            reason: error.to_string(),
        })?;
        Url::from_file_path(&absolute).map_err(|()| StorageError::Operation {
            storage: self.describe(),
            operation: "url of",
            key: key.to_owned(),
            reason: format!("{} cannot be a file:// URL", absolute.display()),
        })
    }

    fn put_bytes<'a>(&'a self, key: &'a str, bytes: Vec<u8>) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let target = self.path_of(key)?;
            self.land(key, target, move |part| std::fs::write(part, &bytes)).await
        })
    }

    fn put_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            let target = self.path_of(key)?;
            let read = |source| StorageError::LocalFile { operation: "read", path: path.to_owned(), source };
            let source = path.to_owned();
            let opened = tokio::task::spawn_blocking(move || {
                let file = std::fs::File::open(&source)?;
                match file.metadata()?.is_file() {
                    true => Ok(file),
                    false => Err(std::io::Error::new(ErrorKind::InvalidInput, "not a regular file")),
                }
            });
            let mut source =
                opened.await.map_err(|error| read(std::io::Error::other(error.to_string())))?.map_err(read)?;
            // A first attempt that found no directory read nothing of the source: a second may copy it.
            self.land(key, target, move |part| std::io::copy(&mut source, &mut std::fs::File::create(part)?)).await
        })
    }

    fn get_bytes<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let path = self.existing_file(key).await?;
            tokio::fs::read(&path).await.map_err(|error| self.failed("get", key, error))
        })
    }

    fn get_to_file<'a>(&'a self, key: &'a str, path: &'a Path) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            let source = self.existing_file(key).await?;
            write_local(path, |part| async move { tokio::fs::copy(&source, part).await }).await
        })
    }

    fn exists<'a>(&'a self, key: &'a str) -> StorageFuture<'a, bool> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            match tokio::fs::metadata(&path).await {
                Ok(metadata) => Ok(metadata.is_file()),
                Err(error) if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => Ok(false),
                Err(error) => Err(self.failed("head", key, error)),
            }
        })
    }

    fn list<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, Vec<ObjectInfo>> {
        Box::pin(async move {
            let prefix = check_prefix(prefix)?;
            let mut found = Vec::new();
            let mut directories = vec![(self.root.join(prefix), prefix.to_owned())];
            while let Some((directory, key)) = directories.pop() {
                let mut entries = match tokio::fs::read_dir(&directory).await {
                    Ok(entries) => entries,
                    Err(error) if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => continue,
                    Err(error) => return Err(self.failed("list", &key, error)),
                };
                while let Some(entry) = entries.next_entry().await.map_err(|error| self.failed("list", &key, error))? {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let child = if key.is_empty() { name.clone() } else { format!("{key}/{name}") };
                    let metadata = entry.metadata().await.map_err(|error| self.failed("list", &child, error))?;
                    if metadata.is_dir() {
                        directories.push((entry.path(), child));
                    } else if metadata.is_file() && !is_part(&name) {
                        found.push(ObjectInfo { key: child, size: metadata.len() });
                    }
                }
            }
            found.sort_by(|a, b| a.key.cmp(&b.key));
            Ok(found)
        })
    }

    fn delete<'a>(&'a self, key: &'a str) -> StorageFuture<'a, ()> {
        Box::pin(async move {
            let path = self.path_of(key)?;
            match tokio::fs::remove_file(&path).await {
                Ok(()) => Ok(()),
                Err(error) if matches!(error.kind(), ErrorKind::NotFound | ErrorKind::NotADirectory) => Ok(()),
                Err(error) => Err(self.failed("delete", key, error)),
            }
        })
    }
}

impl LocalStorage {
    /// Writes `target` (the file of `key`) whole through `write`, on a blocking thread: `write`
    /// writes a temporary file beside it (its directory made when missing), which is renamed
    /// into place, or removed on failure.
    async fn land<T, F>(&self, key: &str, target: PathBuf, write: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnMut(&Path) -> std::io::Result<T> + Send + 'static,
    {
        let landed = tokio::task::spawn_blocking(move || land_blocking(&target, write)).await;
        let reason = match landed {
            Ok(Ok(written)) => return Ok(written),
            Ok(Err(error)) => error.to_string(),
            Err(error) => format!("the write stopped: {error}"),
        };
        Err(StorageError::Operation { storage: self.describe(), operation: "put", key: key.to_owned(), reason })
    }
}

/// [`LocalStorage::land`]'s work: `write` to a temporary file beside `target` (retried once
/// after making the directory, when it was missing), renamed into place; the temporary file
/// removed on failure.
fn land_blocking<T>(target: &Path, mut write: impl FnMut(&Path) -> std::io::Result<T>) -> std::io::Result<T> {
    let part = part_path(target);
    let mut written = write(&part);
    if let Err(error) = &written
        && error.kind() == ErrorKind::NotFound
        && let Some(parent) = target.parent().filter(|parent| !parent.as_os_str().is_empty())
        && !parent.is_dir()
    {
        std::fs::create_dir_all(parent)?;
        written = write(&part);
    }
    let landed = written.and_then(|written| std::fs::rename(&part, target).map(|()| written));
    if landed.is_err() {
        let _ = std::fs::remove_file(&part);
    }
    landed
}

/// Writes the local file `path` whole through `write` (see [`write_whole`]); errors are
/// [`StorageError::LocalFile`].
pub(crate) async fn write_local<F, Fut>(path: &Path, write: F) -> Result<u64, StorageError>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: Future<Output = std::io::Result<u64>>,
{
    write_whole(path, write).await.map_err(|(operation, source)| StorageError::LocalFile {
        operation,
        path: path.to_owned(),
        source,
    })
}

/// Creates the directory of `target`, has `write` write a temporary file beside it, and renames
/// that file into place (removing it on failure). The error says what failed.
async fn write_whole<T, F, Fut>(target: &Path, write: F) -> Result<T, (&'static str, std::io::Error)>
where
    F: FnOnce(PathBuf) -> Fut,
    Fut: Future<Output = std::io::Result<T>>,
{
    if let Some(parent) = target.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent).await.map_err(|error| ("create the directory of", error))?;
    }
    let part = part_path(target);
    let result = match write(part.clone()).await {
        Ok(written) => {
            tokio::fs::rename(&part, target).await.map(|()| written).map_err(|error| ("rename into place", error))
        }
        Err(error) => Err(("write", error)),
    };
    if result.is_err() {
        let _ = tokio::fs::remove_file(&part).await;
    }
    result
}
