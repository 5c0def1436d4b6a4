//! The presigned upload's wire formats: the files asked for, the targets handed out, the files
//! put and their confirmation (the SDK's `bulk_upload/models.py`).

use serde::{Deserialize, Serialize};

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
