//! One chunk `PUT` of a chunked upload, and how its answer is read: accepted (the backend's
//! `{id, url, offset}`), "Offsets do not match" (the offset to resume from), or a failure.

use super::UploadId;
use crate::backend::{BackendClient, BackendError};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use std::time::Duration;

/// A chunk to send.
pub(super) struct ChunkRequest<'a> {
    pub(super) url: &'a reqwest::Url,
    pub(super) filename: &'a str,
    /// Its first byte's offset in the file.
    pub(super) start: u64,
    /// The file's size.
    pub(super) total: u64,
    pub(super) bytes: Vec<u8>,
    pub(super) timeout: Duration,
}

/// The backend's answer to a chunk (`ChunkedUploadResponse`).
#[derive(Debug, Deserialize)]
pub(super) struct ChunkState {
    pub(super) id: UploadId,
    pub(super) url: String,
    pub(super) offset: u64,
}

/// What came of a chunk.
pub(super) enum ChunkAnswer {
    /// Appended.
    Accepted(ChunkState),
    /// Refused as out of order: django-chunked-upload's 400 `Offsets do not match`, with the
    /// offset the backend has.
    Resume(u64),
    /// Anything else.
    Failed(BackendError),
}

/// django-chunked-upload's refusal of a chunk that does not start at the offset.
#[derive(Deserialize)]
struct OffsetsDiffer {
    detail: String,
    offset: u64,
}

/// Whether a failed chunk may be sent again: it did not arrive, its answer was lost, or the
/// backend failed (5xx) or asked to wait (429). A `Content-Range` PUT cannot apply twice: the
/// backend refuses a chunk that does not start at its offset.
pub(super) fn retryable(error: &BackendError) -> bool {
    match error {
        BackendError::Unreachable { .. } | BackendError::ResponseLost { .. } => true,
        BackendError::Status { status, .. } => *status >= 500 || *status == 429,
        _ => false,
    }
}

impl BackendClient {
    /// Sends one chunk.
    pub(super) async fn put_chunk(&self, chunk: ChunkRequest<'_>) -> ChunkAnswer {
        let method = Method::PUT;
        let len = chunk.bytes.len() as u64;
        let form = Form::new()
            .text("filename", chunk.filename.to_owned())
            .part("file", Part::bytes(chunk.bytes).file_name(chunk.filename.to_owned()));
        let mut request = self.http().put(chunk.url.clone()).multipart(form).timeout(chunk.timeout);
        if chunk.total > 0 {
            let range = format!("bytes {}-{}/{}", chunk.start, chunk.start + len - 1, chunk.total);
            request = request.header(reqwest::header::CONTENT_RANGE, range);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return ChunkAnswer::Failed(self.transport(&method, chunk.url, &error)),
        };
        let status = response.status();
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return ChunkAnswer::Failed(self.lost(&method, chunk.url, &error)),
        };
        if status.is_success() {
            return match self.decode::<ChunkState>(&method, chunk.url, &text) {
                Ok(state) => ChunkAnswer::Accepted(state),
                Err(error) => ChunkAnswer::Failed(error),
            };
        }
        if status == reqwest::StatusCode::BAD_REQUEST
            && let Ok(differ) = serde_json::from_str::<OffsetsDiffer>(&text)
            && differ.detail == "Offsets do not match"
        {
            return ChunkAnswer::Resume(differ.offset);
        }
        ChunkAnswer::Failed(BackendError::Status {
            method: method.to_string(),
            path: self.path_of(chunk.url),
            status: status.as_u16(),
            message: crate::backend::error::server_message(&text),
        })
    }
}
