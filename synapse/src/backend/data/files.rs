//! Data files: `POST data_files/` (a multipart `file`, or JSON `{chunked_upload: id}`),
//! `POST data_files/verify_checksums/` in batches, and `DELETE data_files/{id}/` where the backend
//! has it.

use super::DataError;
use crate::backend::{BackendClient, BackendError};
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use reqwest::{Body, Method};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::Path;

/// The largest file a multipart `POST data_files/` takes: 50 MiB (the SDK's
/// `CHUNKED_UPLOAD_THRESHOLD`); larger files go through a chunked upload.
pub const CHUNKED_UPLOAD_THRESHOLD: u64 = 50 * 1024 * 1024;

/// Checksums per `POST data_files/verify_checksums/` (the SDK's `checksum_batch_size`).
pub const CHECKSUM_BATCH: usize = 1000;

/// A data file as `POST data_files/` answers (`DataFileResponse`; unknown fields ignored).
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct DataFile {
    /// Its id.
    pub id: u64,
    /// Its URL; may be missing after a chunked upload.
    #[serde(default)]
    pub file: Option<String>,
    /// Its checksum: the SHA-1 of its content ([`super::checksum_of`]), what data units name it by.
    pub checksum: String,
    /// Its size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
}

/// What `DELETE data_files/{id}/` did. The v1 API documents no such route (backend reference
/// §1.5); the dev backend serves it. A backend without it answers 404 or 405: the file is then
/// [`FileDeletion::Orphaned`], for the caller to report (never claimed deleted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileDeletion {
    /// The backend deleted it.
    Deleted,
    /// The backend did not delete it: it has no such route (405), or answered 404 (no route, or
    /// no such file — a client cannot tell them apart).
    Orphaned {
        /// The data file's id.
        id: u64,
        /// The status the backend answered.
        status: u16,
        /// The backend's message.
        message: String,
    },
}

impl BackendClient {
    /// `POST data_files/` with the file at `path` as the multipart part `file` (named by its base
    /// name), as the SDK's `create_data_file` does for files up to 50 MiB. The backend computes
    /// the checksum and size.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::DataError> {
    /// let file = client.create_data_file(std::path::Path::new("image_1/cat.png")).await?;
    /// println!("data file {} has checksum {}", file.id, file.checksum);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`DataError::Read`] when the file cannot be read; [`DataError::TooLarge`] above
    /// [`CHUNKED_UPLOAD_THRESHOLD`] (nothing is sent); [`DataError::Backend`] for the backend's
    /// refusal (a 400 with its field messages). Not idempotent: retried only when the backend
    /// surely did not apply it.
    pub async fn create_data_file(&self, path: &Path) -> Result<DataFile, DataError> {
        match super::local::read_within(path, CHUNKED_UPLOAD_THRESHOLD).await? {
            Ok(bytes) => self.create_data_file_bytes(path, bytes).await,
            Err(size) => Err(DataError::TooLarge { path: path.to_owned(), size, limit: CHUNKED_UPLOAD_THRESHOLD }),
        }
    }

    /// [`create_data_file`](Self::create_data_file) with the file's `bytes` already read (by
    /// [`super::read_local`] with its checksum): nothing is read again, and a retry sends the
    /// same shared bytes. The part is named by `path`'s base name.
    ///
    /// # Errors
    /// [`DataError::TooLarge`] above [`CHUNKED_UPLOAD_THRESHOLD`] (nothing is sent);
    /// [`DataError::Backend`] as for [`create_data_file`](Self::create_data_file).
    pub async fn create_data_file_bytes(&self, path: &Path, bytes: Bytes) -> Result<DataFile, DataError> {
        let size = bytes.len() as u64;
        if size > CHUNKED_UPLOAD_THRESHOLD {
            return Err(DataError::TooLarge { path: path.to_owned(), size, limit: CHUNKED_UPLOAD_THRESHOLD });
        }
        let name = path.file_name().map_or_else(|| "file".to_owned(), |name| name.to_string_lossy().into_owned());
        let url = self.url("data_files/", &[])?;
        let file = self
            .call_with(Method::POST, url, |request| {
                let part = Part::stream_with_length(Body::from(bytes.clone()), size).file_name(name.clone());
                request.multipart(Form::new().part("file", part))
            })
            .await?;
        Ok(file)
    }

    /// `POST data_files/` with JSON `{chunked_upload: <id>}`: the data file of a finished chunked
    /// upload (an integer id is sent as a number, a UUID as a string).
    ///
    /// # Errors
    /// As [`BackendError`]: a 400 names an unknown or unfinished upload.
    pub async fn create_data_file_from_upload(&self, upload_id: &str) -> Result<DataFile, BackendError> {
        let id = upload_id.trim();
        let id = id.parse::<u64>().map_or_else(|_| json!(id), |number| json!(number));
        self.post("data_files/", &json!({ "chunked_upload": id })).await
    }

    /// Which of `checksums` the backend already has a data file for, asked
    /// [`CHECKSUM_BATCH`] at a time (`POST data_files/verify_checksums/ {checksums}`, answered
    /// `{existing_checksums: [...]}` as the SDK's `verify_checksums_batch` reads it). Each
    /// existing checksum once, in the order asked.
    ///
    /// # Errors
    /// As [`BackendError`]; the first failing batch ends the call.
    pub async fn verify_checksums(&self, checksums: &[String]) -> Result<Vec<String>, BackendError> {
        #[derive(Deserialize)]
        struct Verified {
            #[serde(default)]
            existing_checksums: Vec<String>,
        }
        let mut existing = HashSet::new();
        for batch in checksums.chunks(CHECKSUM_BATCH) {
            let verified: Verified = self.post("data_files/verify_checksums/", &json!({ "checksums": batch })).await?;
            existing.extend(verified.existing_checksums);
        }
        let mut seen = HashSet::new();
        Ok(checksums.iter().filter(|sum| existing.contains(*sum) && seen.insert(*sum)).cloned().collect())
    }

    /// `DELETE data_files/{id}/`, where the backend offers it (see [`FileDeletion`]).
    ///
    /// # Errors
    /// As [`BackendError`], but for a 404 or 405, which are [`FileDeletion::Orphaned`].
    pub async fn delete_data_file(&self, id: u64) -> Result<FileDeletion, BackendError> {
        match self.delete::<Value>(&format!("data_files/{id}/")).await {
            Ok(_) => Ok(FileDeletion::Deleted),
            Err(BackendError::Status { status: status @ (404 | 405), message, .. }) => {
                Ok(FileDeletion::Orphaned { id, status, message })
            }
            Err(error) => Err(error),
        }
    }
}
