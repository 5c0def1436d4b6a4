//! The default upload strategy ([`upload_files`]): presigned when the storage takes files
//! straight from the client, else `POST data_files/` (multipart, or a chunked upload above the
//! threshold); at most `workers` files at once, each retried on a passing failure. Also the
//! files' checksums, computed concurrently ([`checksums`], [`checksum_stream`]), small files
//! keeping their bytes for the upload.

use super::{FailedFile, FailureCode, LocalFile, UploadedFile};
use crate::backend::{BackendClient, BackendError, ChunkedUploadOptions, DataError, PresignedFailure, read_local};
use crate::context::Context;
use crate::storage::{Provider, StorageRecord};
use futures_util::{Stream, StreamExt};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Files smaller than this keep the bytes their checksum was computed from, for the upload to
/// send without reading them again: 64 KiB.
pub const KEEP_BELOW: u64 = 64 * 1024;

/// The most bytes kept that way in all, per [`checksum_stream`]: 64 MiB (past it, files are
/// read again when sent).
pub const KEEP_TOTAL: u64 = 64 * 1024 * 1024;

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
    /// Files of the step done before this call: the call reports `done_before` + its own done
    /// as the step's progress…
    pub done_before: u64,
    /// …of this total (`0`: this call's files). The step sends its files in several calls.
    pub total: u64,
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

/// The SHA-1 and size of each file in `paths` (in order), at most `workers` read at once, each
/// in one blocking read ([`read_local`]); files under [`KEEP_BELOW`] keep their bytes while
/// fewer than [`KEEP_TOTAL`] are kept. A file that cannot be read comes as failed
/// ([`FailureCode::FileUnreadable`]).
pub fn checksum_stream(paths: Vec<PathBuf>, workers: usize) -> impl Stream<Item = Result<LocalFile, FailedFile>> {
    let kept = Arc::new(AtomicU64::new(0));
    futures_util::stream::iter(paths.into_iter().map(move |path| {
        let kept = kept.clone();
        async move {
            let keep_below = if kept.load(Ordering::Relaxed) < KEEP_TOTAL { KEEP_BELOW } else { 0 };
            match read_local(&path, keep_below).await {
                Ok(read) => {
                    if read.bytes.is_some() {
                        kept.fetch_add(read.size, Ordering::Relaxed);
                    }
                    Ok(LocalFile { path, checksum: read.checksum, size: read.size, content: read.bytes })
                }
                Err(error) => Err(FailedFile::new(&path, error.to_string()).with_code(FailureCode::FileUnreadable)),
            }
        }
    }))
    .buffered(workers.max(1))
}

/// [`checksum_stream`] collected, reporting the files done as `ctx`'s `checksums` progress.
pub async fn checksums(ctx: &Context, paths: &[PathBuf], workers: usize) -> Vec<Result<LocalFile, FailedFile>> {
    let total = paths.len() as u64;
    let mut results = Vec::with_capacity(paths.len());
    let mut stream = std::pin::pin!(checksum_stream(paths.to_vec(), workers));
    while let Some(result) = stream.next().await {
        results.push(result);
        ctx.set_category_progress("checksums", results.len() as u64, total);
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
    let total = if options.total == 0 { files.len() as u64 } else { options.total };
    if options.presigned {
        let mut done = options.done_before;
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
                    let reason = format!("{}{tries}", failure.reason);
                    return Err(FailedFile::new(&file.path, reason).with_code(FailureCode::UploadFailed));
                }
            }
        }
    }))
    .buffer_unordered(options.workers.max(1));
    let mut done = options.done_before;
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
        let created = match &file.content {
            Some(bytes) => client.create_data_file_bytes(&file.path, bytes.clone()).await,
            None => client.create_data_file(&file.path).await,
        };
        return match created {
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
                        let reason = format!("presigned upload: {error}");
                        report.failed.push(FailedFile::new(path, reason).with_code(FailureCode::UploadFailed));
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
                _ => report.failed.push(
                    FailedFile::new(failure_path(&failure), failure.to_string()).with_code(presigned_code(&failure)),
                ),
            }
        }
        if again.is_empty() {
            return;
        }
        pending = again;
    }
}

/// A presigned failure's code: an unreadable file, else an upload that failed.
fn presigned_code(failure: &PresignedFailure) -> FailureCode {
    match failure {
        PresignedFailure::Read { .. } => FailureCode::FileUnreadable,
        _ => FailureCode::UploadFailed,
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
