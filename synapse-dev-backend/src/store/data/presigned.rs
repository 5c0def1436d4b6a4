//! Presigned uploads: a file key handed out by `data_files/presigned_upload/upload/`, with the
//! unguessable signature its URLs carry, its expiry, and (multipart) the parts put so far; or,
//! for an upload presigned into storage 2's S3 bucket, that bucket.

use crate::store::{Context, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};

/// The uploads whose URLs point into an S3 bucket (storage 2's), not at this backend: `bucket`
/// the bucket's name. (`presigned_uploads.upload_id` is then S3's multipart upload id.)
pub(crate) const BUCKET_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS presigned_in_bucket (
    file_key TEXT PRIMARY KEY REFERENCES presigned_uploads (file_key),
    bucket TEXT NOT NULL
);
";

/// A presigned upload, as handed out.
#[derive(Clone, Debug)]
pub(crate) struct Presigned {
    /// The media key the file goes to.
    pub(crate) file_key: String,
    /// The name it was asked for with.
    pub(crate) filename: String,
    /// The size announced, in bytes.
    pub(crate) size: i64,
    /// The content type announced.
    pub(crate) content_type: Option<String>,
    /// The token every URL of this upload carries (`?signature=`).
    pub(crate) signature: String,
    /// The multipart upload's id; `None` for a single PUT.
    pub(crate) upload_id: Option<String>,
    /// Bytes per part (the last may be shorter).
    pub(crate) part_size: Option<i64>,
    /// How many parts.
    pub(crate) parts: Option<i64>,
    /// When its URLs expire, as shown (`expires_at`).
    pub(crate) expires_at: String,
    /// The same, in seconds since the epoch.
    pub(crate) expires_epoch: i64,
    /// The data file it became, once confirmed.
    pub(crate) data_file: Option<i64>,
}

impl Presigned {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            file_key: row.get(0)?,
            filename: row.get(1)?,
            size: row.get(2)?,
            content_type: row.get(3)?,
            signature: row.get(4)?,
            upload_id: row.get(5)?,
            part_size: row.get(6)?,
            parts: row.get(7)?,
            expires_at: row.get(8)?,
            expires_epoch: row.get(9)?,
            data_file: row.get(10)?,
        })
    }
}

const COLUMNS: &str = "file_key, filename, size, content_type, signature, upload_id, part_size, parts, expires_at, expires_epoch, data_file";

/// Stores the uploads handed out by one request, in one transaction, with the bucket their URLs
/// point into (`None`: this backend's `/_presigned/`).
pub(crate) fn insert(
    connection: &mut Connection,
    uploads: &[Presigned],
    bucket: Option<&str>,
) -> Result<(), StoreError> {
    let what = "storing the presigned uploads";
    let transaction = connection.transaction().what(what)?;
    for upload in uploads {
        transaction
            .execute(
                &format!(
                    "INSERT INTO presigned_uploads ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL)"
                ),
                params![
                    upload.file_key,
                    upload.filename,
                    upload.size,
                    upload.content_type,
                    upload.signature,
                    upload.upload_id,
                    upload.part_size,
                    upload.parts,
                    upload.expires_at,
                    upload.expires_epoch
                ],
            )
            .what(what)?;
        if let Some(bucket) = bucket {
            transaction
                .execute(
                    "INSERT INTO presigned_in_bucket (file_key, bucket) VALUES (?1, ?2)",
                    params![upload.file_key, bucket],
                )
                .what(what)?;
        }
    }
    transaction.commit().what(what)
}

/// The bucket the URLs of `file_key` point into; `None` for this backend's own.
pub(crate) fn bucket_of(connection: &Connection, file_key: &str) -> Result<Option<String>, StoreError> {
    connection
        .query_row("SELECT bucket FROM presigned_in_bucket WHERE file_key = ?1", [file_key], |row| row.get(0))
        .optional()
        .what(&format!("reading the bucket of the presigned upload {file_key}"))
}

/// The upload of `file_key`, if any.
pub(crate) fn get(connection: &Connection, file_key: &str) -> Result<Option<Presigned>, StoreError> {
    connection
        .query_row(
            &format!("SELECT {COLUMNS} FROM presigned_uploads WHERE file_key = ?1"),
            [file_key],
            Presigned::from_row,
        )
        .optional()
        .what(&format!("reading the presigned upload {file_key}"))
}

/// Records part `number` of `file_key` as put (a part put again replaces the first).
pub(crate) fn record_part(
    connection: &Connection,
    file_key: &str,
    number: i64,
    etag: &str,
    size: usize,
) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT OR REPLACE INTO presigned_parts (file_key, part_number, etag, size) VALUES (?1, ?2, ?3, ?4)",
            params![file_key, number, etag, i64::try_from(size).unwrap_or(i64::MAX)],
        )
        .what(&format!("recording part {number} of {file_key}"))
        .map(drop)
}

/// The parts of `file_key` put so far: `(part_number, etag)`, by number.
pub(crate) fn parts(connection: &Connection, file_key: &str) -> Result<Vec<(i64, String)>, StoreError> {
    connection
        .prepare_cached("SELECT part_number, etag FROM presigned_parts WHERE file_key = ?1 ORDER BY part_number")
        .and_then(|mut statement| statement.query_map([file_key], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
        .what(&format!("reading the parts of {file_key}"))
}

/// Records that `file_key` became data file `data_file`.
pub(crate) fn confirm(connection: &Connection, file_key: &str, data_file: i64) -> Result<(), StoreError> {
    connection
        .execute("UPDATE presigned_uploads SET data_file = ?2 WHERE file_key = ?1", params![file_key, data_file])
        .what(&format!("confirming {file_key}"))
        .map(drop)
}
