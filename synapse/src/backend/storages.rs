//! Storages: `GET storages/{id}/?with_configuration=true`, a storage's record with its provider
//! configuration (the SDK's `Storage` model, [`StorageRecord`]), and the storage it names,
//! opened ([`BackendClient::open_storage`]).

use super::{BackendClient, BackendError};
use crate::storage::{self, Storage, StorageRecord};

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
    /// # Errors
    /// The record's [`BackendError`]; [`BackendError::Storage`] naming the storage when it
    /// cannot be opened (an unknown provider, a missing feature, a bad configuration).
    pub async fn open_storage(&self, id: u64) -> Result<Box<dyn Storage>, BackendError> {
        let record = self.get_storage(id).await?;
        storage::open(&record).map_err(|source| BackendError::Storage { id, source })
    }
}
