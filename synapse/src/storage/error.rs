//! [`StorageError`]: why a storage could not be opened or an operation on it failed, naming the
//! storage (its provider and where it is), the key or local file, and the operation — never a
//! credential.

use std::path::PathBuf;

/// Why a storage could not be opened, or an operation on it failed.
///
/// `storage` fields hold [`Storage::describe`](super::Storage::describe) (`file_system at
/// /data`, `amazon_s3 bucket media at http://127.0.0.1:9000`), which carries no credential.
///
/// ```
/// use synapse::storage::StorageError;
/// let error = StorageError::NotFound { storage: "file_system at /data".into(), key: "a/b.png".into() };
/// assert_eq!(error.to_string(), "file_system at /data: no object at key `a/b.png`");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// A key is not a relative object key (`a/b/c.png`): empty, absolute, with an empty, `.` or
    /// `..` segment, or with a backslash or NUL.
    #[error("invalid storage key `{key}`: {reason}")]
    InvalidKey {
        /// The key as given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A storage record names a provider that is not one of the backend's
    /// (`amazon_s3 azure digital_ocean file_system ftp sftp minio gcp`) or the Python SDK's
    /// aliases (`local`, `s3`, `gcs`, `gs`).
    #[error("unknown storage provider `{provider}` (known: {known})")]
    UnknownProvider {
        /// The provider as the record names it.
        provider: String,
        /// The provider names that are known, comma-separated.
        known: String,
    },
    /// The provider is one of the backend's but this crate has no client for it (`ftp`, `sftp`).
    #[error("storage provider `{provider}` is not supported by synapse::storage")]
    UnsupportedProvider {
        /// The provider as the record names it.
        provider: String,
    },
    /// The provider's client is behind a cargo feature of synapse that this build lacks.
    #[error("storage provider `{provider}` needs synapse's `{feature}` feature, which this build lacks")]
    FeatureDisabled {
        /// The provider as the record names it.
        provider: String,
        /// The feature that adds it (`s3`, `gcs`, `azure`).
        feature: &'static str,
    },
    /// The record's `configuration` lacks a key or holds a wrong value.
    #[error("storage provider `{provider}`: configuration `{field}`: {reason}")]
    Config {
        /// The provider as the record names it.
        provider: String,
        /// The configuration key (`bucket_name`, `location`, …), or `configuration` itself.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// No object is stored at the key.
    #[error("{storage}: no object at key `{key}`")]
    NotFound {
        /// The storage.
        storage: String,
        /// The key.
        key: String,
    },
    /// The storage answered an operation with an error, or could not be reached.
    #[error("{storage}: {operation} `{key}`: {reason}")]
    Operation {
        /// The storage.
        storage: String,
        /// The operation (`put`, `get`, `head`, `list`, `delete`, `presign PUT`, …).
        operation: &'static str,
        /// The key (or the listed prefix).
        key: String,
        /// What went wrong, as the storage or the OS says it.
        reason: String,
    },
    /// A local file (the source of a `put_file`, the destination of a `get_to_file`) could not be
    /// read or written.
    #[error("{operation} local file {}: {source}", path.display())]
    LocalFile {
        /// What was done with it (`read`, `write`, `create`, `rename into place`).
        operation: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The provider cannot make presigned URLs (the local file system has no URL service).
    #[error("{storage}: presigned URLs are not supported by provider `{provider}`")]
    PresignUnsupported {
        /// The storage.
        storage: String,
        /// The provider's backend name.
        provider: &'static str,
    },
}

impl StorageError {
    /// Whether the error says the key holds no object.
    pub fn is_not_found(&self) -> bool {
        matches!(self, StorageError::NotFound { .. })
    }
}
