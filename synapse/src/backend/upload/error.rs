//! [`TransferError`]: why moving a file to or from the backend failed, naming the file, the
//! upload and how far it got.

use super::UploadId;
use crate::backend::BackendError;
use std::path::PathBuf;

/// Why a chunked upload, or a model file's download, failed.
///
/// ```
/// use synapse::backend::{BackendError, TransferError};
/// let error = TransferError::Interrupted {
///     file: "model.zip".into(),
///     id: Some("3f2a".into()),
///     offset: 131072,
///     total: 300000,
///     source: BackendError::Status {
///         method: "PUT".into(),
///         path: "chunked_upload/3f2a/".into(),
///         status: 500,
///         message: "Injected fault.".into(),
///     },
/// };
/// assert_eq!(
///     error.to_string(),
///     "uploading model.zip (chunked upload 3f2a) stopped at byte 131072 of 300000: \
///      PUT chunked_upload/3f2a/: 500 Internal Server Error: Injected fault."
/// );
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The local file could not be read or written.
    #[error("{action} {}: {reason}", file.display())]
    File {
        /// The file.
        file: PathBuf,
        /// What was being done (`reading`, `writing`…).
        action: &'static str,
        /// The operating system's words.
        reason: String,
    },
    /// A chunk could not be sent (after the retries a chunk gets): the upload stopped there.
    #[error("uploading {} ({}) stopped at byte {offset} of {total}: {source}", file.display(), upload(id.as_ref()))]
    Interrupted {
        /// The file.
        file: PathBuf,
        /// The upload's id, once the backend created it.
        id: Option<UploadId>,
        /// The bytes the backend had received.
        offset: u64,
        /// The file's size.
        total: u64,
        /// The failed request.
        source: BackendError,
    },
    /// The backend reports an offset the client cannot continue from: after a chunk it accepted,
    /// another than the chunk's end; or one past what was sent.
    #[error(
        "uploading {} ({}): the backend says it has {got} bytes where {expected} were sent",
        file.display(),
        upload(id.as_ref())
    )]
    OffsetMismatch {
        /// The file.
        file: PathBuf,
        /// The upload's id, if the backend gave one.
        id: Option<UploadId>,
        /// The offset the client expected.
        expected: u64,
        /// The offset the backend reported.
        got: u64,
    },
    /// The finalize (`POST` with the MD5) failed, and the backend does not show the upload
    /// completed (a 400 `md5 checksum does not match`, or a lost response not confirmed by
    /// `GET chunked_upload/{id}/` within the recheck policy).
    #[error("finalizing chunked upload {id} of {}: {source}", file.display())]
    Finalize {
        /// The file.
        file: PathBuf,
        /// The upload.
        id: UploadId,
        /// The finalize's failure (the last one, when it was sent again).
        source: BackendError,
    },
    /// A model has no file to download.
    #[error("model {model} has no file")]
    NoFile {
        /// The model's id.
        model: u64,
    },
    /// Another call of the backend failed (creating the model, downloading its file).
    #[error(transparent)]
    Backend(#[from] BackendError),
}

fn upload(id: Option<&UploadId>) -> String {
    id.map_or_else(|| "before the backend created the upload".to_owned(), |id| format!("chunked upload {id}"))
}
