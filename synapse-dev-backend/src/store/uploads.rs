//! Chunked uploads (django-chunked-upload's `ChunkedUpload`): their offset, total, checksum and
//! completion; the bytes themselves are in the media module's staging directory.

use super::{Context, StoreError, clamp};
use crate::time;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

/// The table of chunked uploads.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunked_uploads (
    id TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    offset INTEGER NOT NULL,
    total INTEGER,
    status INTEGER NOT NULL,
    md5 TEXT,
    media_key TEXT,
    created TEXT NOT NULL,
    expires TEXT NOT NULL,
    completed_at TEXT
);
";

/// django-chunked-upload's status choices: receiving chunks.
pub(crate) const UPLOADING: i64 = 1;
/// Finalized with a matching MD5.
pub(crate) const COMPLETE: i64 = 2;
/// Finalized with an MD5 that does not match (it may be finalized again).
pub(crate) const FAILED: i64 = 3;

/// How long an upload is said to be valid, from its creation (django-chunked-upload's default
/// `EXPIRATION_DELTA`, one day); reported as `expires`, not enforced.
const EXPIRES_AFTER_SECS: u64 = 86_400;

const COLUMNS: &str = "id, filename, offset, total, status, md5, media_key, created, expires, completed_at";

/// A chunked upload.
#[derive(Clone, Debug)]
pub(crate) struct Upload {
    /// 32 hex digits.
    pub(crate) id: String,
    /// The file's name, one plain path segment.
    pub(crate) filename: String,
    /// The bytes received so far.
    pub(crate) offset: u64,
    /// The whole file's size, from the first chunk's `Content-Range`.
    pub(crate) total: Option<u64>,
    /// [`UPLOADING`], [`COMPLETE`] or [`FAILED`].
    pub(crate) status: i64,
    /// The MD5 of the whole file, hex, once finalized.
    pub(crate) md5: Option<String>,
    /// The media key of the assembled file, once complete.
    pub(crate) media_key: Option<String>,
    /// When it was created (DRF's UTC form).
    pub(crate) created: String,
    /// Until when it is said to be valid.
    pub(crate) expires: String,
    /// When it was completed.
    pub(crate) completed_at: Option<String>,
}

impl Upload {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            filename: row.get(1)?,
            offset: u64::try_from(row.get::<_, i64>(2)?).unwrap_or(0),
            total: row.get::<_, Option<i64>>(3)?.and_then(|total| u64::try_from(total).ok()),
            status: row.get(4)?,
            md5: row.get(5)?,
            media_key: row.get(6)?,
            created: row.get(7)?,
            expires: row.get(8)?,
            completed_at: row.get(9)?,
        })
    }

    /// Whether it was finalized with a matching MD5.
    pub(crate) fn is_complete(&self) -> bool {
        self.status == COMPLETE
    }

    /// `{id, url, offset, filename, status, completed_at, expires}`: what the chunk PUTs and
    /// `GET chunked_upload/{id}/` answer, `url` absolute at `origin`.
    pub(crate) fn to_json(&self, origin: &str) -> Value {
        json!({
            "id": self.id,
            "url": format!("{origin}/chunked_upload/{}/", self.id),
            "offset": self.offset,
            "filename": self.filename,
            "status": self.status,
            "completed_at": self.completed_at,
            "expires": self.expires,
        })
    }

    /// What `/_dev/state` shows: every column, the size being the offset reached.
    pub(crate) fn to_state_json(&self) -> Value {
        json!({
            "id": self.id,
            "filename": self.filename,
            "offset": self.offset,
            "size": self.total,
            "status": self.status,
            "md5": self.md5,
            "media_key": self.media_key,
            "created": self.created,
            "expires": self.expires,
            "completed_at": self.completed_at,
        })
    }
}

/// A new upload of `filename`, with `id`, nothing received yet.
pub(crate) fn create(connection: &Connection, id: &str, filename: &str) -> Result<Upload, StoreError> {
    connection
        .execute(
            "INSERT INTO chunked_uploads (id, filename, offset, status, created, expires)
             VALUES (?1, ?2, 0, ?3, ?4, ?5)",
            params![id, filename, UPLOADING, time::now(), time::in_seconds(EXPIRES_AFTER_SECS)],
        )
        .what(&format!("creating chunked upload {id}"))?;
    get(connection, id)?.ok_or_else(|| gone(id))
}

/// The upload with this id, if any.
pub(crate) fn get(connection: &Connection, id: &str) -> Result<Option<Upload>, StoreError> {
    connection
        .query_row(&format!("SELECT {COLUMNS} FROM chunked_uploads WHERE id = ?1"), [id], Upload::from_row)
        .optional()
        .what(&format!("reading chunked upload {id}"))
}

/// Records a chunk appended: the new offset, and the total.
pub(crate) fn advance(connection: &Connection, id: &str, offset: u64, total: u64) -> Result<Upload, StoreError> {
    connection
        .execute(
            "UPDATE chunked_uploads SET offset = ?2, total = ?3 WHERE id = ?1",
            params![id, clamp(offset), clamp(total)],
        )
        .what(&format!("advancing chunked upload {id}"))?;
    get(connection, id)?.ok_or_else(|| gone(id))
}

/// Records a finalize: its MD5 and whether it matched ([`COMPLETE`], with the media key and the
/// time) or not ([`FAILED`]).
pub(crate) fn finalize(
    connection: &Connection,
    id: &str,
    md5: &str,
    media_key: Option<&str>,
) -> Result<Upload, StoreError> {
    let (status, completed_at) = match media_key {
        Some(_) => (COMPLETE, Some(time::now())),
        None => (FAILED, None),
    };
    connection
        .execute(
            "UPDATE chunked_uploads SET md5 = ?2, status = ?3, media_key = ?4, completed_at = ?5 WHERE id = ?1",
            params![id, md5, status, media_key, completed_at],
        )
        .what(&format!("finalizing chunked upload {id}"))?;
    get(connection, id)?.ok_or_else(|| gone(id))
}

/// Every upload, in order of creation.
pub(crate) fn all(connection: &Connection) -> Result<Vec<Upload>, StoreError> {
    let what = "listing the chunked uploads";
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM chunked_uploads ORDER BY rowid")).what(what)?;
    statement.query_map([], Upload::from_row).and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>).what(what)
}

fn gone(id: &str) -> StoreError {
    StoreError { what: format!("reading chunked upload {id}"), cause: "it is gone".to_owned() }
}

/// Every upload as `/_dev/state` shows it.
pub(crate) fn state(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    Ok(all(connection)?.iter().map(Upload::to_state_json).collect())
}
