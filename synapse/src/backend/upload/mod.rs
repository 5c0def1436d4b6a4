//! Chunked upload (`chunked_upload/`, django-chunked-upload as the Python SDK's
//! `clients/backend/core.py` `create_chunked_upload` speaks it): [`BackendClient::chunked_upload`]
//! sends a file in `Content-Range` chunks, then finalizes it with the whole file's MD5, rechecking
//! a finalize whose response was lost instead of sending it blindly again.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`ChunkedUpload`], [`ChunkedUploadOptions`], [`RecheckPolicy`] and the chunk loop |
//! | `chunk.rs` | one chunk `PUT` and how its answer is read |
//! | `finalize.rs` | the finalize `POST` and the lost-finalize recheck |
//! | `error.rs` | [`TransferError`] |

mod chunk;
mod error;
mod finalize;

pub use error::TransferError;

use super::{BackendClient, JobId};
use chunk::{ChunkAnswer, ChunkRequest};
use md5::{Digest, Md5};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// A chunked upload's id: an integer or a UUID string (the SDK's `str | int`; the dev backend
/// gives 32 hex digits), read and sent as a [`JobId`] is.
pub type UploadId = JobId;

/// The SDK's default chunk: 50 MiB (`utils/file/io.py` `DEFAULT_CHUNK_SIZE`).
pub const DEFAULT_CHUNK_SIZE: u64 = 50 * 1024 * 1024;

/// How many times in a row the backend may send the client back to an earlier offset (a
/// retried chunk the backend had already applied) before the upload gives up.
const MAX_RESUMES: u32 = 8;

/// A completed chunked upload, as the finalize answers it (`ChunkedUploadFinalizeResponse`), or
/// as `GET chunked_upload/{id}/` shows it when the finalize's response was lost.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct ChunkedUpload {
    /// Its id: what `POST models/` and `POST data_files/` take as `chunked_upload`.
    pub id: UploadId,
    /// The MD5 of the whole file, lowercase hex (the backend's; the client's own, which the
    /// backend checked, when the answer had none).
    #[serde(default)]
    pub checksum: Option<String>,
    /// The file's size in bytes (the client's own when the answer had none).
    #[serde(default)]
    pub size: Option<u64>,
    /// The stored file's URL, when the backend gives one.
    #[serde(default)]
    pub file: Option<String>,
    /// The file's name.
    #[serde(default)]
    pub filename: Option<String>,
    /// When it was completed (what the SDK trusts to say it is complete).
    #[serde(default)]
    pub completed_at: Option<String>,
    /// django-chunked-upload's status (2: complete); informative only.
    #[serde(default)]
    pub status: Option<i64>,
}

/// How a finalize whose response was lost is rechecked: `GET chunked_upload/{id}/` up to
/// `attempts` times within `budget`, waiting a random time in `[0, base · 2^n)` after try `n`
/// (the SDK's full jitter). Defaults: 5 tries, `base` 2 s, 60 s (the SDK's `core.py`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecheckPolicy {
    /// `GET`s in all.
    pub attempts: u32,
    /// The first wait's bound.
    pub base: Duration,
    /// The longest time spent rechecking.
    pub budget: Duration,
}

impl Default for RecheckPolicy {
    fn default() -> Self {
        RecheckPolicy { attempts: 5, base: Duration::from_secs(2), budget: Duration::from_secs(60) }
    }
}

/// A callback told `(bytes the backend has, file size)` after each chunk.
pub type Progress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// How [`BackendClient::chunked_upload`] sends a file.
///
/// ```
/// use synapse::backend::ChunkedUploadOptions;
/// let options = ChunkedUploadOptions::default().chunk_size(64 * 1024).on_progress(|sent, total| {
///     println!("{sent}/{total} bytes");
/// });
/// assert_eq!(options.chunk_size, 64 * 1024);
/// ```
#[derive(Clone)]
pub struct ChunkedUploadOptions {
    /// Bytes per chunk ([`DEFAULT_CHUNK_SIZE`] by default); the client holds one chunk in memory.
    pub chunk_size: u64,
    /// The limit of each chunk `PUT` and of the finalize `POST` (10 min by default: the backend
    /// writes the file meanwhile, and assembles it on finalize).
    pub timeout: Duration,
    /// How a lost finalize is rechecked.
    pub recheck: RecheckPolicy,
    /// Told the bytes sent after each chunk.
    pub progress: Option<Progress>,
}

impl Default for ChunkedUploadOptions {
    fn default() -> Self {
        ChunkedUploadOptions {
            chunk_size: DEFAULT_CHUNK_SIZE,
            timeout: Duration::from_secs(600),
            recheck: RecheckPolicy::default(),
            progress: None,
        }
    }
}

impl std::fmt::Debug for ChunkedUploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChunkedUploadOptions")
            .field("chunk_size", &self.chunk_size)
            .field("timeout", &self.timeout)
            .field("recheck", &self.recheck)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl ChunkedUploadOptions {
    /// With chunks of `bytes`.
    pub fn chunk_size(mut self, bytes: u64) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// With another recheck policy.
    pub fn recheck(mut self, recheck: RecheckPolicy) -> Self {
        self.recheck = recheck;
        self
    }

    /// With `progress` told `(bytes sent, file size)` after each chunk (to drive a
    /// `set_progress`).
    pub fn on_progress(mut self, progress: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }
}

/// Where an upload is: what the backend has, and what was hashed.
struct Cursor {
    file: tokio::fs::File,
    path: PathBuf,
    /// The bytes the backend has (the next chunk's start).
    offset: u64,
    hasher: Md5,
    /// The bytes hashed so far (each byte once, in order; never behind `offset`).
    hashed: u64,
}

impl Cursor {
    /// The `len` bytes at `offset`, hashing those not hashed yet.
    async fn read(&mut self, len: u64) -> Result<Vec<u8>, TransferError> {
        let mut bytes = vec![0; usize::try_from(len).unwrap_or(usize::MAX)];
        let io = |error: std::io::Error| TransferError::File {
            file: self.path.clone(),
            action: "reading",
            reason: error.to_string(),
        };
        self.file.seek(std::io::SeekFrom::Start(self.offset)).await.map_err(io)?;
        self.file.read_exact(&mut bytes).await.map_err(io)?;
        let end = self.offset + len;
        if end > self.hashed {
            let from = usize::try_from(self.hashed - self.offset).unwrap_or(0);
            self.hasher.update(&bytes[from..]);
            self.hashed = end;
        }
        Ok(bytes)
    }
}

impl BackendClient {
    /// Uploads the file at `path` in chunks, and finalizes it with its MD5.
    ///
    /// Exactly the SDK's protocol: `PUT chunked_upload/`, then `PUT` the `url` each answer gives,
    /// multipart with the field `filename=<file name>` and the part `file` = the chunk's bytes,
    /// `Content-Range: bytes <start>-<end>/<total>` (an empty file is one empty chunk without
    /// `Content-Range`, which django-chunked-upload reads as the whole file); then `POST` the
    /// last `url` with `{"md5": <hex MD5 of the whole file>}` (JSON, as the SDK's `_post` sends
    /// it). The MD5 is computed while the chunks are read; the file is read one chunk at a time.
    ///
    /// After each chunk the backend's `offset` must be the chunk's end, else
    /// [`TransferError::OffsetMismatch`]. A chunk whose response was lost, or that got a 5xx or
    /// 429, is sent again (as [`RetryPolicy`](super::RetryPolicy) says: a `Content-Range` PUT
    /// cannot apply twice); when the backend answers `Offsets do not match` with its `offset`
    /// (the first try had arrived), the upload resumes from that offset. A finalize whose
    /// response was lost, or that got a 5xx, is never sent again blindly: `GET
    /// chunked_upload/{id}/` is asked as [`RecheckPolicy`] says until it shows `completed_at`;
    /// only when the backend shows the upload not completed is the finalize sent once more.
    ///
    /// A first chunk whose response was lost is sent again to `chunked_upload/`, which makes a
    /// new upload (the first one, with its id unknown to the client, is left to expire).
    ///
    /// URLs the backend answers with are followed at the configured host only (their path and
    /// query), with `?url_host=` when configured: credentials go nowhere else.
    ///
    /// # Errors
    /// [`TransferError::File`] when the file cannot be read; [`TransferError::Interrupted`]
    /// (with the upload id, the offset reached and the file) when a chunk fails for good;
    /// [`TransferError::OffsetMismatch`]; [`TransferError::Finalize`] when the finalize is refused
    /// (`md5 checksum does not match`) or lost and not confirmed; [`TransferError::Backend`] for a
    /// chunk size of 0.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::TransferError> {
    /// use synapse::backend::ChunkedUploadOptions;
    /// let upload = client.chunked_upload("model.zip", &ChunkedUploadOptions::default()).await?;
    /// println!("upload {} holds {:?} bytes, md5 {:?}", upload.id, upload.size, upload.checksum);
    /// # Ok(()) }
    /// ```
    pub async fn chunked_upload(
        &self,
        path: impl AsRef<Path>,
        options: &ChunkedUploadOptions,
    ) -> Result<ChunkedUpload, TransferError> {
        let path = path.as_ref().to_owned();
        if options.chunk_size == 0 {
            return Err(super::BackendError::Config("a chunked upload's chunk size cannot be 0".to_owned()).into());
        }
        let io = |action: &'static str| {
            let file = path.clone();
            move |error: std::io::Error| TransferError::File { file, action, reason: error.to_string() }
        };
        let file = tokio::fs::File::open(&path).await.map_err(io("opening"))?;
        let total = file.metadata().await.map_err(io("reading the size of"))?.len();
        let filename = path.file_name().map_or_else(|| "file".to_owned(), |name| name.to_string_lossy().into_owned());
        let mut cursor = Cursor { file, path: path.clone(), offset: 0, hasher: Md5::new(), hashed: 0 };
        let mut url = self.url("chunked_upload/", &[]).map_err(TransferError::Backend)?;
        let (mut id, mut failures, mut resumes): (Option<UploadId>, u32, u32) = (None, 0, 0);
        let retry = self.retry_policy();
        loop {
            let len = options.chunk_size.min(total - cursor.offset);
            let start = cursor.offset;
            let bytes = cursor.read(len).await?;
            let request =
                ChunkRequest { url: &url, filename: &filename, start, total, bytes, timeout: options.timeout };
            match self.put_chunk(request).await {
                ChunkAnswer::Accepted(state) => {
                    if state.offset != start + len {
                        let (expected, got) = (start + len, state.offset);
                        return Err(TransferError::OffsetMismatch { file: path, id: Some(state.id), expected, got });
                    }
                    url = self.followed(&state.url).map_err(TransferError::Backend)?;
                    (id, failures, resumes) = (Some(state.id), 0, 0);
                    cursor.offset = state.offset;
                    if let Some(progress) = &options.progress {
                        progress(cursor.offset, total);
                    }
                    if cursor.offset >= total {
                        break;
                    }
                }
                ChunkAnswer::Resume(offset) if offset <= cursor.hashed && resumes < MAX_RESUMES => {
                    tracing::debug!("chunked upload of {}: resuming at byte {offset}", path.display());
                    resumes += 1;
                    cursor.offset = offset;
                    if offset >= total && total > 0 {
                        break;
                    }
                }
                ChunkAnswer::Resume(got) => {
                    return Err(TransferError::OffsetMismatch { file: path, id, expected: start, got });
                }
                ChunkAnswer::Failed(error) if chunk::retryable(&error) && failures + 1 < retry.attempts => {
                    failures += 1;
                    tracing::debug!("chunked upload of {}: retrying a chunk after: {error}", path.display());
                    tokio::time::sleep(retry.backoff(failures)).await;
                }
                ChunkAnswer::Failed(source) => {
                    return Err(TransferError::Interrupted { file: path, id, offset: start, total, source });
                }
            }
        }
        let md5: String = cursor.hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect();
        let id =
            id.ok_or_else(|| TransferError::OffsetMismatch { file: path.clone(), id: None, expected: total, got: 0 })?;
        let mut done = self
            .finalize_upload(&url, &id, &md5, options)
            .await
            .map_err(|source| TransferError::Finalize { file: path.clone(), id: id.clone(), source })?;
        done.checksum.get_or_insert(md5);
        done.size.get_or_insert(total);
        Ok(done)
    }

    /// A URL the backend answered with, at the configured host (its path and query kept), with
    /// `?url_host=` when configured.
    pub(crate) fn followed(&self, answered: &str) -> Result<reqwest::Url, super::BackendError> {
        let host = &self.config().host;
        let mut url = host.join(answered).map_err(|error| {
            super::BackendError::Config(format!("`{answered}` from the backend is not a URL: {error}"))
        })?;
        if url.origin() != host.origin() {
            let mut at_host = host.clone();
            at_host.set_path(url.path());
            at_host.set_query(url.query());
            url = at_host;
        }
        if let Some(url_host) = &self.config().url_host
            && !url.query_pairs().any(|(key, _)| key == "url_host")
        {
            url.query_pairs_mut().append_pair("url_host", url_host);
        }
        Ok(url)
    }
}
