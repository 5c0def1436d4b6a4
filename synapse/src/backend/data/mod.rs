//! Data collections, data files, data units (API v1, and the v2 unit deletion), as the upload
//! action talks to them: a collection's file specifications ([`DataCollection`]), files uploaded
//! as multipart, from a chunked upload, or straight to storage through presigned URLs
//! ([`DataFile`], [`PresignedReport`]), existing checksums ([`BackendClient::verify_checksums`]),
//! and units binding files to specifications ([`DataUnitCreate`], [`DataUnit`]). Wire formats
//! follow the Python SDK's `clients/backend/data_collection.py`, `models.py` and
//! `bulk_upload/`.
//!
//! **Checksums.** A data file's checksum is the SHA-1 of its content, lowercase hex
//! ([`checksum_of`]): the presigned upload confirms files by SHA-1
//! (`bulk_upload/strategies/presigned.py`, `hashlib.sha1`) and the checksum it gets back is the
//! one data units name, so the backend's data-file checksum is SHA-1. (The SDK's
//! `utils/file/checksum.py` defaults to MD5, which is the chunked upload's finalize check, not a
//! data file's checksum.)
//!
//! | file | holds |
//! |---|---|
//! | `collections.rs` | [`DataCollection`], [`FileSpecification`], [`FileType`], [`FunctionType`] |
//! | `files.rs` | [`DataFile`], multipart and chunked-upload creation, checksum checks, [`FileDeletion`] |
//! | `local.rs` | [`read_local`]: a local file's checksum, size and (small) bytes in one read, [`LocalContent`] |
//! | `presigned/` | the presigned flow, [`PresignedReport`] (`wire.rs`: [`PresignedUpload`], [`ConfirmUploadResponse`] and the other bodies; `put.rs`: the PUTs with their ETags) |
//! | `units.rs` | [`DataUnitCreate`], [`DataUnit`], and the units' calls |

mod collections;
mod files;
mod local;
mod presigned;
mod units;

pub use collections::{DataCollection, FileSpecification, FileType, FunctionType};
pub use files::{CHECKSUM_BATCH, CHUNKED_UPLOAD_THRESHOLD, DataFile, FileDeletion};
pub use local::{LocalContent, read_local};
pub use presigned::{
    ConfirmResult, ConfirmUploadResponse, MultipartTarget, PartEtag, PresignedFailure, PresignedFile, PresignedPart,
    PresignedReport, PresignedTarget, PresignedUpload, PresignedUploaded, UploadedFile, UploadedParts,
};
pub use units::{DataUnit, DataUnitCreate, DataUnitFile, FileRef};

use super::BackendError;
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};

/// Why a data call failed: the backend's answer, or the local file it was to send.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The backend refused or could not be reached.
    #[error(transparent)]
    Backend(#[from] BackendError),
    /// A local file could not be read.
    #[error("reading {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file too large for a multipart `POST data_files/`.
    #[error(
        "{} is {size} bytes, above the {limit} bytes a multipart `POST data_files/` takes: upload it in \
         chunks (`chunked_upload/`) and make the data file with `create_data_file_from_upload`",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// [`CHUNKED_UPLOAD_THRESHOLD`].
        limit: u64,
    },
}

/// The checksum the backend keeps for a data file with this content: its SHA-1, lowercase hex.
///
/// ```
/// assert_eq!(synapse::backend::checksum_of(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
/// ```
pub fn checksum_of(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// The data-file checksum ([`checksum_of`]) of the file at `path`: [`read_local`] keeping no
/// bytes (one blocking read in 64 KiB pieces).
///
/// # Errors
/// [`DataError::Read`] naming the file.
pub async fn file_checksum(path: &Path) -> Result<String, DataError> {
    Ok(read_local(path, 0).await?.checksum)
}
