//! The data routes: data collections, data files (multipart, from a chunked upload, presigned),
//! data units, storages, and the dev route that seeds collections.
//!
//! | file | holds |
//! |---|---|
//! | `collections.rs` | `GET data_collections/{id}/`, `POST /_dev/data_collections` |
//! | `files.rs` | `POST data_files/`, `POST data_files/verify_checksums/`, `DELETE data_files/{id}/` |
//! | `presigned.rs` | `POST data_files/presigned_upload/{upload,confirm_upload}/` and the `PUT /_presigned/{key}` they point at |
//! | `presigned_s3.rs` | the same, when the URLs point into storage 2's S3 bucket: S3's presigned URLs, and the objects checked there at confirmation |
//! | `units.rs` | `POST data_units/`, `GET data_units/{id}/`, `DELETE /v2/data-units/{id}/` |
//! | `storages.rs` | `GET storages/`, `GET storages/{id}/`, and the S3 record a backend may be started with |
//! | `storage_sessions.rs` | `POST storages/{id}/session/` |

pub(crate) mod collections;
pub(crate) mod files;
pub(crate) mod presigned;
mod presigned_s3;
pub(crate) mod storage_sessions;
pub(crate) mod storages;
pub(crate) mod units;

use sha1::{Digest, Sha1};

/// The checksum the backend keeps for a data file: the SHA-1 of its content, lowercase hex (what
/// the Python SDK's presigned upload confirms, `bulk_upload/strategies/presigned.py`).
pub(crate) fn checksum(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// A new media key for a file named `filename`: `files/<a>/<b>/<uuid>.<ext>` (`a`, `b` its
/// first two hex digits: 256 directories, soon all made, so that storing a file seldom creates
/// one), the extension kept when it is short and alphanumeric (the backend's keys are UUID paths
/// too).
pub(crate) fn new_key(filename: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let extension = filename
        .rsplit_once('.')
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .filter(|extension| !extension.is_empty() && extension.len() <= 10)
        .filter(|extension| extension.bytes().all(|byte| byte.is_ascii_alphanumeric()));
    let name = match extension {
        Some(extension) => format!("{id}.{extension}"),
        None => id.clone(),
    };
    format!("files/{}/{}/{name}", &id[..1], &id[1..2])
}

/// The base name of an uploaded file's name (browsers and clients may send a path).
pub(crate) fn base_name(filename: &str) -> String {
    filename.rsplit(['/', '\\']).next().unwrap_or(filename).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_are_sha1_hex() {
        assert_eq!(checksum(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn keys_keep_plain_extensions_only() {
        let key = new_key("dir/photo.PNG");
        assert!(key.starts_with("files/") && key.ends_with(".png"), "{key}");
        assert_eq!(key.split('/').count(), 4, "{key}");
        assert!(!new_key("x.p/ng").contains("p/ng"));
        assert!(!new_key("noext").contains('.'));
        assert_eq!(base_name("a/b\\c.txt"), "c.txt");
    }
}
