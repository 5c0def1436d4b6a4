//! Data files: media stored by the backend, each with the SHA-1 of its content and its size, and
//! the finished chunked uploads a data file may be made from.

use crate::store::{Context, StoreError};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Value, json};

/// A data file as stored.
#[derive(Clone, Debug)]
pub(crate) struct DataFile {
    pub(crate) id: i64,
    /// Its media key.
    pub(crate) key: String,
    /// The name it was uploaded with.
    pub(crate) filename: String,
    /// The SHA-1 of its content, lowercase hex.
    pub(crate) checksum: String,
    /// Its size in bytes.
    pub(crate) size: i64,
    /// How it arrived: `multipart`, `chunked_upload` or `presigned`.
    pub(crate) origin: String,
    pub(crate) created: String,
}

impl DataFile {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: row.get(0)?,
            key: row.get(1)?,
            filename: row.get(2)?,
            checksum: row.get(3)?,
            size: row.get(4)?,
            origin: row.get(5)?,
            created: row.get(6)?,
        })
    }

    /// As `POST data_files/` answers (`DataFileResponse`): `{id, file, checksum, size, created_at}`,
    /// `file` the absolute media URL at `origin` (`http://<host>`).
    pub(crate) fn to_json(&self, origin: &str) -> Value {
        json!({
            "id": self.id,
            "file": crate::media::url(origin, &self.key),
            "checksum": self.checksum,
            "size": self.size,
            "created_at": self.created,
        })
    }

    /// As `/_dev/state` shows it: `{id, key, filename, checksum, size, origin}`.
    pub(crate) fn to_state(&self) -> Value {
        json!({
            "id": self.id,
            "key": self.key,
            "filename": self.filename,
            "checksum": self.checksum,
            "size": self.size,
            "origin": self.origin,
        })
    }
}

const COLUMNS: &str = "id, key, filename, checksum, size, origin, created";

/// Stores a data file whose content is already the media file `key`.
pub(crate) fn insert(
    connection: &Connection,
    key: &str,
    filename: &str,
    checksum: &str,
    size: u64,
    origin: &str,
) -> Result<DataFile, StoreError> {
    let what = format!("storing the data file {key}");
    let created = crate::time::now();
    let size = crate::store::clamp(size);
    connection
        .prepare_cached(
            "INSERT INTO data_files (key, filename, checksum, size, origin, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut statement| statement.execute(params![key, filename, checksum, size, origin, created]))
        .what(&what)?;
    Ok(DataFile {
        id: connection.last_insert_rowid(),
        key: key.to_owned(),
        filename: filename.to_owned(),
        checksum: checksum.to_owned(),
        size,
        origin: origin.to_owned(),
        created,
    })
}

/// The data file `id`, if any.
pub(crate) fn get(connection: &Connection, id: i64) -> Result<Option<DataFile>, StoreError> {
    connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM data_files WHERE id = ?1"))
        .and_then(|mut statement| statement.query_row([id], DataFile::from_row).optional())
        .what(&format!("reading data file {id}"))
}

/// The newest data file with `checksum`, if any (a unit binds the file its checksum names).
pub(crate) fn by_checksum(connection: &Connection, checksum: &str) -> Result<Option<DataFile>, StoreError> {
    connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM data_files WHERE checksum = ?1 ORDER BY id DESC LIMIT 1"))
        .and_then(|mut statement| statement.query_row([checksum], DataFile::from_row).optional())
        .what(&format!("looking up the data file with checksum {checksum}"))
}

/// Which of `checksums` some data file has, in the order asked, each once.
pub(crate) fn existing(connection: &Connection, checksums: &[String]) -> Result<Vec<String>, StoreError> {
    let mut found = Vec::new();
    for checksum in checksums {
        if !found.contains(checksum) && by_checksum(connection, checksum)?.is_some() {
            found.push(checksum.clone());
        }
    }
    Ok(found)
}

/// The ids of the data units that bind data file `id`.
pub(crate) fn units_using(connection: &Connection, id: i64) -> Result<Vec<i64>, StoreError> {
    connection
        .prepare_cached("SELECT DISTINCT data_unit FROM data_unit_files WHERE data_file = ?1 ORDER BY data_unit")
        .and_then(|mut statement| statement.query_map([id], |row| row.get(0))?.collect())
        .what(&format!("reading the data units of data file {id}"))
}

/// Removes data file `id`'s row; the caller removes its media.
pub(crate) fn delete(connection: &Connection, id: i64) -> Result<(), StoreError> {
    connection.execute("DELETE FROM data_files WHERE id = ?1", [id]).what(&format!("deleting data file {id}")).map(drop)
}

/// Every data file, by id (for `/_dev/state`).
pub(crate) fn all(connection: &Connection) -> Result<Vec<DataFile>, StoreError> {
    connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM data_files ORDER BY id"))
        .and_then(|mut statement| statement.query_map([], DataFile::from_row)?.collect())
        .what("listing the data files")
}

/// A finished chunked upload a data file can be made from.
#[derive(Clone, Debug)]
pub(crate) struct ChunkedUpload {
    /// The file's name.
    pub(crate) filename: String,
    /// Its media key.
    pub(crate) path: String,
}

/// The chunked upload `id`: `None` when there is none, `Some(None)` when it is not finished
/// (no `completed_at`, or no `path`), `Some(Some(upload))` when a data file can be made from it.
pub(crate) fn chunked_upload(connection: &Connection, id: &str) -> Result<Option<Option<ChunkedUpload>>, StoreError> {
    Ok(crate::store::uploads::get(connection, id)?.map(|upload| match (upload.is_complete(), upload.media_key) {
        (true, Some(path)) => Some(ChunkedUpload { filename: upload.filename, path }),
        _ => None,
    }))
}
