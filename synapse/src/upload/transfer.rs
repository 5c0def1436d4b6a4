//! The default upload strategy ([`upload_files`]): presigned when the storage takes files
//! straight from the client, else `POST data_files/` (multipart, or a chunked upload above the
//! threshold); at most `workers` files at once, each retried on a passing failure. Also the
//! files' checksums, computed concurrently ([`checksums`]).

use super::{FailedFile, LocalFile, UploadedFile};
use crate::backend::{BackendClient, BackendError, ChunkedUploadOptions, DataError, PresignedFailure, file_checksum};
use crate::context::Context;
use crate::storage::{Provider, StorageRecord};
use futures_util::StreamExt;
use std::path::PathBuf;

/// How [`upload_files`] sends files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferOptions {
    /// Through presigned URLs (straight to the storage), not through the API.
    pub presigned: bool,
    /// Bytes above which a file goes in chunks (at most 50 MiB).
    pub chunked_threshold: u64,
    /// Files in flight at once (`upload_max_workers`).
    pub workers: usize,
    /// More tries of a file after a passing failure (`upload_max_retries`).
    pub retries: u32,
    /// Files per presigned request (`upload_batch_size`).
    pub batch_size: usize,
}

/// Whether files go to `storage` through presigned URLs: its provider is an object store
/// (S3, MinIO, DigitalOcean Spaces, GCS, Azure), as the SDK's `supports_presigned` says.
pub fn supports_presigned(storage: &StorageRecord) -> bool {
    matches!(
        Provider::parse(&storage.provider),
        Ok(Provider::AmazonS3 | Provider::Minio | Provider::DigitalOcean | Provider::Gcp | Provider::Azure)
    )
}

/// What an upload strategy did, recorded as it goes (a rollback deletes what `uploaded`
/// holds, even when the strategy failed midway).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TransferReport {
    /// The data files made, each with its local file.
    pub uploaded: Vec<UploadedFile>,
    /// The files that did not become data files, and why.
    pub failed: Vec<FailedFile>,
}

/// The SHA-1 of each file in `paths` (in order), at most `workers` read at once, reporting
/// progress to `ctx`. A file that cannot be read is returned as failed.
pub async fn checksums(ctx: &Context, paths: &[PathBuf], workers: usize) -> Vec<Result<LocalFile, FailedFile>> {
    let total = paths.len() as u64;
    let mut done = 0;
    let mut results = Vec::with_capacity(paths.len());
    let mut stream = futures_util::stream::iter(paths.iter().cloned().map(|path| async move {
        let size = tokio::fs::metadata(&path).await.map(|metadata| metadata.len());
        match (file_checksum(&path).await, size) {
            (Ok(checksum), Ok(size)) => Ok(LocalFile { path, checksum, size }),
            (Err(error), _) => Err(FailedFile::new(&path, error.to_string())),
            (_, Err(error)) => Err(FailedFile::new(&path, format!("reading its size: {error}"))),
        }
    }))
    .buffered(workers.max(1));
    while let Some(result) = stream.next().await {
        done += 1;
        ctx.set_category_progress("checksums", done, total);
        results.push(result);
    }
    results
}

/// Uploads `files` as `options` says, recording each outcome in `report` as it comes and the
/// files done as `ctx`'s progress. A file's failure (after its retries) is recorded, not
/// returned.
///
/// # Errors
/// None of its own; the signature leaves room for strategies that stop the step.
pub async fn upload_files(
    ctx: &Context,
    client: &BackendClient,
    files: &[LocalFile],
    options: &TransferOptions,
    report: &mut TransferReport,
) -> Result<(), super::UploadError> {
    let total = files.len() as u64;
    if options.presigned {
        let mut done = 0;
        for batch in files.chunks(options.batch_size.max(1)) {
            presigned_batch(client, batch, options.retries, report).await;
            done += batch.len() as u64;
            ctx.set_progress(done, total);
        }
        return Ok(());
    }
    let mut stream = futures_util::stream::iter(files.iter().cloned().map(|file| async move {
        let mut attempt = 0;
        loop {
            match send(client, &file, options.chunked_threshold).await {
                Ok(id) => {
                    return Ok(UploadedFile {
                        path: file.path.clone(),
                        data_file_id: Some(id),
                        checksum: file.checksum.clone(),
                    });
                }
                Err(Failure { transient: true, .. }) if attempt < options.retries => {
                    attempt += 1;
                    tokio::time::sleep(client.retry_policy().backoff(attempt)).await;
                }
                Err(failure) => {
                    let tries = if attempt > 0 { format!(" (after {} tries)", attempt + 1) } else { String::new() };
                    return Err(FailedFile::new(&file.path, format!("{}{tries}", failure.reason)));
                }
            }
        }
    }))
    .buffer_unordered(options.workers.max(1));
    let mut done = 0;
    while let Some(outcome) = stream.next().await {
        match outcome {
            Ok(uploaded) => report.uploaded.push(uploaded),
            Err(failed) => report.failed.push(failed),
        }
        done += 1;
        ctx.set_progress(done, total);
    }
    Ok(())
}

struct Failure {
    transient: bool,
    reason: String,
}

impl From<BackendError> for Failure {
    fn from(error: BackendError) -> Self {
        // A lost response may have made the file: never sent again.
        let transient = error.is_transient() && !matches!(error, BackendError::ResponseLost { .. });
        Failure { transient, reason: error.to_string() }
    }
}

/// One file through the API: its data file's id.
async fn send(client: &BackendClient, file: &LocalFile, threshold: u64) -> Result<u64, Failure> {
    if file.size <= threshold {
        return match client.create_data_file(&file.path).await {
            Ok(created) => Ok(created.id),
            Err(DataError::Backend(error)) => Err(error.into()),
            Err(other) => Err(Failure { transient: false, reason: other.to_string() }),
        };
    }
    let upload = client
        .chunked_upload(&file.path, &ChunkedUploadOptions::default().chunk_size(threshold.max(1)))
        .await
        .map_err(|error| Failure { transient: false, reason: format!("chunked upload: {error}") })?;
    Ok(client.create_data_file_from_upload(&upload.id.to_string()).await?.id)
}

/// One presigned batch, its failed PUTs tried again up to `retries` times.
async fn presigned_batch(client: &BackendClient, batch: &[LocalFile], retries: u32, report: &mut TransferReport) {
    let mut pending: Vec<PathBuf> = batch.iter().map(|file| file.path.clone()).collect();
    for attempt in 0..=retries {
        let last = attempt == retries;
        let outcome = match client.upload_presigned(&pending).await {
            Ok(outcome) => outcome,
            Err(error) => {
                if last {
                    for path in &pending {
                        report.failed.push(FailedFile::new(path, format!("presigned upload: {error}")));
                    }
                    return;
                }
                continue;
            }
        };
        for uploaded in outcome.uploaded {
            report.uploaded.push(UploadedFile {
                path: uploaded.path,
                data_file_id: Some(uploaded.data_file_id),
                checksum: uploaded.checksum,
            });
        }
        let mut again = Vec::new();
        for failure in outcome.failed {
            let retryable =
                matches!(&failure, PresignedFailure::Put { status, .. } if status.is_none_or(|s| s >= 500 || s == 429));
            match (&failure, retryable && !last) {
                (PresignedFailure::Put { path, .. }, true) => again.push(path.clone()),
                _ => report.failed.push(FailedFile::new(failure_path(&failure), failure.to_string())),
            }
        }
        if again.is_empty() {
            return;
        }
        pending = again;
    }
}

fn failure_path(failure: &PresignedFailure) -> PathBuf {
    match failure {
        PresignedFailure::Read { path, .. }
        | PresignedFailure::NoTarget { path }
        | PresignedFailure::Put { path, .. }
        | PresignedFailure::Rejected { path, .. }
        | PresignedFailure::Unconfirmed { path, .. } => path.clone(),
    }
}
