//! Storages: `GET storages/{id}/?with_configuration=true`, a storage's record with its provider
//! configuration (the SDK's `Storage` model, [`StorageRecord`]), and the storage it names,
//! opened ([`BackendClient::open_storage`]).

use super::{BackendClient, BackendError};
use crate::storage::{self, Storage, StorageConfig, StorageRecord};

impl BackendClient {
    /// `GET storages/{id}/?with_configuration=true`, as the SDK's `get_storage`.
    ///
    /// # Errors
    /// As [`BackendError`]; a 404 names the storage's path.
    pub async fn get_storage(&self, id: u64) -> Result<StorageRecord, BackendError> {
        self.get(&format!("storages/{id}/"), &[("with_configuration", "true")]).await
    }

    /// The storage `id` names, opened: its record ([`get_storage`](Self::get_storage)), then
    /// [`storage::open`] (the local file system always; S3, GCS and Azure with the `s3`, `gcs`
    /// and `azure` features).
    ///
    /// A `file_system` storage's `location` must be a folder on this machine: a backend's
    /// storage that is not here is refused rather than made anew under the working directory.
    ///
    /// # Errors
    /// The record's [`BackendError`]; [`BackendError::Storage`] naming the storage when it
    /// cannot be opened (an unknown provider, a missing feature, a bad configuration, a
    /// `location` that is no folder here).
    pub async fn open_storage(&self, id: u64) -> Result<Box<dyn Storage>, BackendError> {
        let record = self.get_storage(id).await?;
        if let Ok(StorageConfig::FileSystem { location }) = StorageConfig::from_record(&record)
            && !location.is_dir()
        {
            let here = std::env::current_dir().map(|dir| dir.display().to_string()).unwrap_or_default();
            let reason = if location.is_relative() {
                format!("{} is no folder here (relative to the working directory {here})", location.display())
            } else {
                format!("{} is no folder on this machine", location.display())
            };
            let source =
                storage::StorageError::Config { provider: record.provider, field: "location".to_owned(), reason };
            return Err(BackendError::Storage { id, source });
        }
        storage::open(&record).map_err(|source| BackendError::Storage { id, source })
    }
}
