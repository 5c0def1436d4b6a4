//! Where an upload's files are read: the folders `path` and `assets.<spec>.path` name inside the
//! storage, as the SDK's `get_pathlib(storage, path)` resolves them.

use super::UploadError;
use crate::storage::{Provider, StorageConfig, StorageRecord, relative_path};
use std::path::{Path, PathBuf};

/// The folder `path` names in `storage` (the record of storage `id`).
///
/// - A `file_system` storage: `path` is relative to the storage's `location`, a leading `/`
///   ignored (the SDK's local provider: `base_path / path.lstrip('/')`); `""` or `/` is the
///   location itself, and `.` segments are dropped (`./incoming` is `incoming`). A `..`
///   segment is refused: the folder stays inside the storage.
/// - An object store (`amazon_s3`, `minio`, `gcp`, `azure`…): the files are read from the folder
///   `path` on this machine, and sent to the storage through presigned URLs. Reading an
///   upload's files out of a bucket is not done here (the SDK reads them through `UPath`).
///
/// ```
/// use synapse::storage::StorageRecord;
/// use synapse::upload::folder_in_storage;
/// use std::path::Path;
/// let local = StorageRecord::new("file_system", serde_json::json!({"location": "/srv/data"}));
/// assert_eq!(folder_in_storage(&local, 1, "/incoming/pets").unwrap(), Path::new("/srv/data/incoming/pets"));
/// assert_eq!(folder_in_storage(&local, 1, "incoming/").unwrap(), Path::new("/srv/data/incoming"));
/// assert_eq!(folder_in_storage(&local, 1, "./incoming").unwrap(), Path::new("/srv/data/incoming"));
/// assert_eq!(folder_in_storage(&local, 1, "/").unwrap(), Path::new("/srv/data"));
/// assert!(folder_in_storage(&local, 1, "../etc").is_err());
/// ```
///
/// # Errors
/// [`UploadError::Folder`] for a path with a `..` segment or a `\` (`.` segments, as in
/// `./incoming`, are dropped);
/// [`UploadError::StorageConfiguration`] for a `file_system` record without a `location`, or a
/// provider this build does not know.
pub fn folder_in_storage(storage: &StorageRecord, id: u64, path: &str) -> Result<PathBuf, UploadError> {
    let refused = |reason: String| UploadError::StorageConfiguration { id, reason };
    let provider = Provider::parse(&storage.provider).map_err(|error| refused(error.to_string()))?;
    if provider != Provider::FileSystem {
        return Ok(PathBuf::from(path));
    }
    let StorageConfig::FileSystem { location } =
        StorageConfig::from_record(storage).map_err(|error| refused(error.to_string()))?
    else {
        return Err(refused(format!("a {} record without a file_system configuration", provider.name())));
    };
    let relative = relative_path(path);
    if relative.is_empty() {
        return Ok(location);
    }
    for segment in relative.split('/') {
        if segment == ".." || segment.contains('\\') {
            let reason = format!(
                "is read inside storage {id} ({}), and `{segment}` would leave it: give the folder relative to the storage's root",
                location.display()
            );
            return Err(UploadError::Folder { path: PathBuf::from(path), reason });
        }
    }
    Ok(location.join(Path::new(&relative)))
}
