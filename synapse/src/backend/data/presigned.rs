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

use super::DataError;
use crate::backend::{BackendClient, BackendError};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// PUTs in flight at once.
const CONCURRENT_PUTS: usize = 4;

/// A file to ask an upload URL for.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PresignedFile {
    /// Its name (the base name of its path).
    pub filename: String,
    /// Its size in bytes: the backend decides single PUT or multipart from it.
    pub size: u64,
    /// Its media type, when known.
    pub content_type: Option<String>,
}

/// Step 1's answer: a target per file asked, in order, and when the URLs expire.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PresignedUpload {
    /// The targets, in the order the files were asked.
    pub files: Vec<PresignedTarget>,
    /// When the URLs expire (ISO 8601).
    pub expires_at: String,
}

/// Where one file goes: exactly one of `presigned_url` (one PUT) and `multipart` is set.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PresignedTarget {
    /// The name asked with.
    pub filename: String,
    /// The storage key the file gets (confirmations name it).
    pub file_key: String,
    /// The URL of a single PUT.
    #[serde(default)]
    pub presigned_url: Option<String>,
    /// The parts of a multipart upload.
    #[serde(default)]
    pub multipart: Option<MultipartTarget>,
}

/// A multipart upload: consecutive `part_size` pieces of the file, one PUT each.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct MultipartTarget {
    /// The upload's id.
    pub upload_id: String,
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// The parts, by number from 1.
    pub parts: Vec<PresignedPart>,
}

/// One part's URL.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PresignedPart {
    /// Its number, from 1.
    pub part_number: u32,
    /// Where it is PUT.
    pub presigned_url: String,
}

/// A file put, to confirm: `{file_key, checksum, size, multipart?}`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct UploadedFile {
    /// Its key.
    pub file_key: String,
    /// The SHA-1 of what was put, lowercase hex.
    pub checksum: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its parts, for a multipart upload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multipart: Option<UploadedParts>,
}

/// The parts put: `{upload_id, parts: [{part_number, etag}]}`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct UploadedParts {
    /// The upload's id.
    pub upload_id: String,
    /// Each part with the `ETag` its PUT answered.
    pub parts: Vec<PartEtag>,
}

/// A part and its `ETag`.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct PartEtag {
    /// Its number.
    pub part_number: u32,
    /// The `ETag` header of its PUT's answer, as given.
    pub etag: String,
}

/// Step 3's answer.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ConfirmUploadResponse {
    /// One result per file confirmed.
    pub results: Vec<ConfirmResult>,
    /// Data files created.
    pub created_count: u64,
    /// Files refused.
    pub failed_count: u64,
}

/// One file's confirmation.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ConfirmResult {
    /// Its key.
    pub file_key: String,
    /// Its checksum.
    #[serde(default)]
    pub checksum: String,
    /// The data file made, on success.
    #[serde(default)]
    pub data_file_id: Option<u64>,
    /// Whether it became a data file.
    pub success: bool,
    /// Why not.
    #[serde(default)]
    pub error: Option<String>,
}

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
        let puts = futures_util::stream::iter(asked.iter().enumerate().map(|(index, path)| {
            let target = upload.files.get(index);
            let storage = &storage;
            async move {
                match target {
                    Some(target) => put_file(storage, target, path).await.map(|put| (path, put)),
                    None => Err(PresignedFailure::NoTarget { path: path.clone() }),
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
            let path = path.clone();
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

/// An HTTP client for storage URLs: no backend credentials.
fn storage_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(300))
        .build()
        .map_err(|error| format!("cannot build the HTTP client of storage uploads: {error}"))
}

async fn put_file(
    storage: &reqwest::Client,
    target: &PresignedTarget,
    path: &Path,
) -> Result<UploadedFile, PresignedFailure> {
    let read = |source| PresignedFailure::Read { path: path.to_owned(), source };
    let mut file = tokio::fs::File::open(path).await.map_err(read)?;
    let mut hasher = Sha1::new();
    if let Some(url) = &target.presigned_url {
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).await.map_err(read)?;
        hasher.update(&bytes);
        let size = bytes.len() as u64;
        put_bytes(storage, url, bytes, path, target).await?;
        return Ok(UploadedFile {
            file_key: target.file_key.clone(),
            checksum: hex::encode(hasher.finalize()),
            size,
            multipart: None,
        });
    }
    let Some(multipart) = &target.multipart else { return Err(PresignedFailure::NoTarget { path: path.to_owned() }) };
    let mut parts = Vec::with_capacity(multipart.parts.len());
    let mut size = 0;
    for part in &multipart.parts {
        let mut bytes = Vec::new();
        (&mut file).take(multipart.part_size).read_to_end(&mut bytes).await.map_err(read)?;
        if bytes.is_empty() {
            break;
        }
        hasher.update(&bytes);
        size += bytes.len() as u64;
        let etag = put_bytes(storage, &part.presigned_url, bytes, path, target).await?;
        parts.push(PartEtag { part_number: part.part_number, etag });
    }
    Ok(UploadedFile {
        file_key: target.file_key.clone(),
        checksum: hex::encode(hasher.finalize()),
        size,
        multipart: Some(UploadedParts { upload_id: multipart.upload_id.clone(), parts }),
    })
}

/// One PUT; the `ETag` answered (empty when none).
async fn put_bytes(
    storage: &reqwest::Client,
    url: &str,
    bytes: Vec<u8>,
    path: &Path,
    target: &PresignedTarget,
) -> Result<String, PresignedFailure> {
    let response = storage
        .put(url)
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .map_err(|error| put_error(path, target, url, None, error.to_string()))?;
    let status = response.status();
    let etag =
        response.headers().get(reqwest::header::ETAG).and_then(|value| value.to_str().ok()).unwrap_or("").to_owned();
    if status.is_success() {
        return Ok(etag);
    }
    let body = response.text().await.unwrap_or_default();
    Err(put_error(path, target, url, Some(status.as_u16()), storage_message(&body)))
}

fn put_error(
    path: &Path,
    target: &PresignedTarget,
    url: &str,
    status: Option<u16>,
    message: String,
) -> PresignedFailure {
    PresignedFailure::Put {
        path: path.to_owned(),
        file_key: target.file_key.clone(),
        url: url.split('?').next().unwrap_or_default().to_owned(),
        status,
        message,
    }
}

/// A storage error body's `Code` and `Message` only (an S3 error carries the string it signed,
/// never shown), or the backend's way of reading a JSON body.
fn storage_message(body: &str) -> String {
    if body.trim_start().starts_with('<') {
        let field = |name: &str| {
            let open = format!("<{name}>");
            let start = body.find(&open)? + open.len();
            let end = start + body[start..].find(&format!("</{name}>"))?;
            Some(body[start..end].trim().to_owned())
        };
        let parts: Vec<String> = [field("Code"), field("Message")].into_iter().flatten().collect();
        return if parts.is_empty() { "(no message)".to_owned() } else { parts.join(": ") };
    }
    crate::backend::error::server_message(body)
}

#[cfg(test)]
mod tests {
    use super::storage_message;

    #[test]
    fn storage_errors_show_their_code_and_message_only() {
        let body =
            "<Error><Code>SignatureDoesNotMatch</Code><Message>No.</Message><StringToSign>PUT…</StringToSign></Error>";
        assert_eq!(storage_message(body), "SignatureDoesNotMatch: No.");
        assert_eq!(storage_message(r#"{"detail": "Request has expired."}"#), "Request has expired.");
    }
}
