//! The presigned upload, for storages that take files straight from the client (S3, MinIO, GCS,
//! Azure), as the SDK's `bulk_upload/strategies/presigned.py`:
//! 1. `POST data_files/presigned_upload/upload/ {files: [{filename, size, content_type}],
//!    expiration}` hands out a file key per file, with one URL or (large files) a URL per part;
//! 2. the bytes are `PUT` there (`Content-Type: application/octet-stream`), each part's `ETag`
//!    kept;
//! 3. `POST data_files/presigned_upload/confirm_upload/ {files: [{file_key, checksum, size,
//!    multipart?}]}` makes each a data file, the checksum the SHA-1 of the content.
//!
//! [`BackendClient::upload_presigned`] does all three and reports each file's outcome.

mod put;
mod wire;

pub use wire::{
    ConfirmResult, ConfirmUploadResponse, MultipartTarget, PartEtag, PresignedFile, PresignedPart, PresignedTarget,
    PresignedUpload, UploadedFile, UploadedParts,
};

use super::DataError;
use crate::backend::{BackendClient, BackendError};
use futures_util::StreamExt;
use put::{put_error, put_file, storage_client};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// PUTs in flight at once.
const CONCURRENT_PUTS: usize = 4;

/// What [`BackendClient::upload_presigned`] did with each file.
#[derive(Debug, Default)]
pub struct PresignedReport {
    /// The files that became data files, in the order given.
    pub uploaded: Vec<PresignedUploaded>,
    /// The files that did not, in the order given.
    pub failed: Vec<PresignedFailure>,
}

/// A file that became a data file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PresignedUploaded {
    /// The local file.
    pub path: PathBuf,
    /// Its storage key.
    pub file_key: String,
    /// The data file's id.
    pub data_file_id: u64,
    /// Its checksum (SHA-1), what data units name it by.
    pub checksum: String,
}

/// Why a file of a presigned upload did not become a data file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PresignedFailure {
    /// It could not be read.
    #[error("{}: reading it: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The backend handed out no URL for it.
    #[error("{}: the backend handed out no upload URL for it", path.display())]
    NoTarget {
        /// The file.
        path: PathBuf,
    },
    /// A PUT to the storage failed.
    #[error("{}: PUT {url}: {}{message}", path.display(), status.map(|status| format!("{status}: ")).unwrap_or_default())]
    Put {
        /// The file.
        path: PathBuf,
        /// Its key.
        file_key: String,
        /// The URL, without its query (the signature).
        url: String,
        /// The status answered; `None` when nothing was.
        status: Option<u16>,
        /// The storage's `Code`/`Message`, or what failed.
        message: String,
    },
    /// The confirmation refused it (a checksum or size mismatch, parts missing).
    #[error("{}: the backend refused it ({file_key}): {error}", path.display())]
    Rejected {
        /// The file.
        path: PathBuf,
        /// Its key.
        file_key: String,
        /// The backend's reason.
        error: String,
    },
    /// The confirmation did not mention it.
    #[error("{}: the confirmation says nothing of {file_key}", path.display())]
    Unconfirmed {
        /// The file.
        path: PathBuf,
        /// Its key.
        file_key: String,
    },
}

impl BackendClient {
    /// Step 1: upload URLs for `files`, valid for `expiration` (the SDK's default is an hour).
    ///
    /// # Errors
    /// As [`BackendError`]; a 400 names the refused entries.
    pub async fn presigned_upload(
        &self,
        files: &[PresignedFile],
        expiration: Duration,
    ) -> Result<PresignedUpload, BackendError> {
        let body = serde_json::json!({ "files": files, "expiration": expiration.as_secs() });
        self.post("data_files/presigned_upload/upload/", &body).await
    }

    /// Step 2: PUTs the file at `path` to `target` (in parts for a multipart target), hashing what
    /// it sends: the confirmation of it. The PUTs carry no backend credentials.
    ///
    /// # Errors
    /// [`PresignedFailure::Read`], [`PresignedFailure::Put`] or [`PresignedFailure::NoTarget`].
    pub async fn put_presigned(&self, target: &PresignedTarget, path: &Path) -> Result<UploadedFile, PresignedFailure> {
        let storage = storage_client().map_err(|message| put_error(path, target, "", None, message))?;
        put_file(&storage, target, path).await
    }

    /// Step 3: confirms the files put.
    ///
    /// # Errors
    /// As [`BackendError`]. Per-file refusals are results with `success: false`, not errors.
    pub async fn confirm_upload(&self, files: &[UploadedFile]) -> Result<ConfirmUploadResponse, BackendError> {
        self.post("data_files/presigned_upload/confirm_upload/", &serde_json::json!({ "files": files })).await
    }

    /// The whole presigned upload of `paths`: URLs asked for all, the files PUT (four at a time),
    /// those put confirmed. Each file's outcome is in the report; a file's failure does not stop
    /// the others.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::DataError> {
    /// let report = client.upload_presigned(&["a.png".into(), "b.png".into()]).await?;
    /// for failure in &report.failed {
    ///     eprintln!("{failure}");
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`DataError::Backend`] when step 1 or 3 fails as a whole.
    pub async fn upload_presigned(&self, paths: &[PathBuf]) -> Result<PresignedReport, DataError> {
        let mut report = PresignedReport::default();
        let mut asked = Vec::new();
        let mut files = Vec::new();
        for path in paths {
            match tokio::fs::metadata(path).await {
                Ok(metadata) => {
                    let filename =
                        path.file_name().map_or_else(String::new, |name| name.to_string_lossy().into_owned());
                    files.push(PresignedFile { filename, size: metadata.len(), content_type: None });
                    asked.push(path.clone());
                }
                Err(source) => report.failed.push(PresignedFailure::Read { path: path.clone(), source }),
            }
        }
        if asked.is_empty() {
            return Ok(report);
        }
        let upload = self.presigned_upload(&files, Duration::from_secs(3600)).await?;
        let storage = storage_client().map_err(BackendError::Config)?;
        // Owned paths and indices: the stream stays `Send` in generic callers (no closure over
        // a borrowed item).
        let puts = futures_util::stream::iter(asked.iter().cloned().enumerate().map(|(index, path)| {
            let target = upload.files.get(index);
            let storage = &storage;
            async move {
                match target {
                    Some(target) => put_file(storage, target, &path).await.map(|put| (path, put)),
                    None => Err(PresignedFailure::NoTarget { path }),
                }
            }
        }))
        .buffered(CONCURRENT_PUTS)
        .collect::<Vec<_>>()
        .await;
        let mut put = Vec::new();
        for outcome in puts {
            match outcome {
                Ok(done) => put.push(done),
                Err(failure) => report.failed.push(failure),
            }
        }
        if put.is_empty() {
            return Ok(report);
        }
        let confirmations: Vec<UploadedFile> = put.iter().map(|(_, file)| file.clone()).collect();
        let confirmed = self.confirm_upload(&confirmations).await?;
        for (path, file) in put {
            let result = confirmed.results.iter().find(|result| result.file_key == file.file_key);
            match result {
                Some(ConfirmResult { success: true, data_file_id: Some(id), checksum, .. }) => {
                    let checksum = if checksum.is_empty() { file.checksum.clone() } else { checksum.clone() };
                    report.uploaded.push(PresignedUploaded {
                        path,
                        file_key: file.file_key,
                        data_file_id: *id,
                        checksum,
                    });
                }
                Some(result) => report.failed.push(PresignedFailure::Rejected {
                    path,
                    file_key: file.file_key,
                    error: result.error.clone().unwrap_or_else(|| "no reason given".to_owned()),
                }),
                None => report.failed.push(PresignedFailure::Unconfirmed { path, file_key: file.file_key }),
            }
        }
        Ok(report)
    }
}
