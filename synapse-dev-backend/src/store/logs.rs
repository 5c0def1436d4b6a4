//! Log entries, as `POST logs/` creates them; the file of an entry is kept in the media
//! directory (`logs/<job>/<uuid>.<extension>`), its key in the entry's row.

use super::{Context, StoreError, from_column, to_column};
use rusqlite::{Connection, Row, params};
use serde_json::{Value, json};
use std::path::Path;

/// A validated entry, not yet stored.
#[derive(Clone, Debug)]
pub(crate) struct NewLog {
    pub(crate) job: i64,
    pub(crate) event: String,
    pub(crate) data: Value,
    pub(crate) datetime: String,
    pub(crate) file: Option<LogFile>,
    pub(crate) step: Option<String>,
    pub(crate) level: Option<String>,
}

/// The file of an entry, decoded from its `data:` URI.
#[derive(Clone, Debug)]
pub(crate) struct LogFile {
    /// Its media key.
    pub(crate) key: String,
    /// Its content.
    pub(crate) bytes: Vec<u8>,
}

impl LogFile {
    /// A file of job `job` with the media type `mime`: its key is new, its extension the type's.
    pub(crate) fn new(job: i64, mime: &str, bytes: Vec<u8>) -> Self {
        let extension = match mime {
            "image/png" => "png",
            "image/jpeg" => "jpg",
            "image/gif" => "gif",
            "image/webp" => "webp",
            "application/json" => "json",
            "text/plain" => "txt",
            "text/csv" => "csv",
            _ => "bin",
        };
        LogFile { key: format!("logs/{job}/{}.{extension}", uuid::Uuid::new_v4().simple()), bytes }
    }
}

const COLUMNS: &str = "id, event, data, datetime, job, file, step, level";

/// Stores `entries` in one transaction, their files under `media` (the media directory); each
/// as shown back at `origin`, with its id.
pub(crate) fn insert(
    connection: &mut Connection,
    media: &Path,
    origin: &str,
    entries: &[NewLog],
) -> Result<Vec<Value>, StoreError> {
    let what = "storing the log entries";
    let transaction = connection.transaction().what(what)?;
    let mut created = Vec::with_capacity(entries.len());
    {
        let mut statement = transaction
            .prepare_cached(
                "INSERT INTO logs (job, event, data, datetime, file, step, level) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .what(what)?;
        for entry in entries {
            if let Some(file) = &entry.file {
                let path = media.join(&file.key);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).what(&format!("creating {}", parent.display()))?;
                }
                std::fs::write(&path, &file.bytes).what(&format!("writing {}", path.display()))?;
            }
            let key = entry.file.as_ref().map(|file| file.key.as_str());
            statement
                .execute(params![
                    entry.job,
                    entry.event,
                    to_column(&entry.data),
                    entry.datetime,
                    key,
                    entry.step,
                    entry.level
                ])
                .what(what)?;
            created.push(json!({
                "id": transaction.last_insert_rowid(),
                "event": entry.event,
                "data": entry.data,
                "datetime": entry.datetime,
                "job": entry.job,
                "file": key.map(|key| file_url(origin, key)),
                "step": entry.step,
                "level": entry.level,
            }));
        }
    }
    transaction.commit().what(what)?;
    Ok(created)
}

type RawLog = (i64, String, String, String, i64, Option<String>, Option<String>, Option<String>);

fn raw(row: &Row<'_>) -> rusqlite::Result<RawLog> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?, row.get(7)?))
}

/// The URL of an entry's file: its media URL, or the `data:` URI itself for an entry stored
/// before files were kept as media.
fn file_url(origin: &str, stored: &str) -> String {
    if stored.starts_with("data:") { stored.to_owned() } else { crate::media::url(origin, stored) }
}

fn shown(
    (id, event, data, datetime, job, file, step, level): RawLog,
    origin: &str,
    what: &str,
) -> Result<Value, StoreError> {
    let data = from_column(&data, what)?;
    let file = file.map(|stored| file_url(origin, &stored));
    Ok(json!({
        "id": id, "event": event, "data": data, "datetime": datetime,
        "job": job, "file": file, "step": step, "level": level,
    }))
}

/// The entries of one job, in order of arrival, their files' URLs at `origin`.
pub(crate) fn of_job(connection: &Connection, job: i64, origin: &str) -> Result<Vec<Value>, StoreError> {
    let what = format!("reading the logs of job {job}");
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM logs WHERE job = ?1 ORDER BY id")).what(&what)?;
    let raws = statement.query_map([job], raw).and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>).what(&what)?;
    raws.into_iter().map(|row| shown(row, origin, &what)).collect()
}

/// The entries of one job after entry `after` (an id; 0 for all), in order of arrival, at
/// most `limit`; only those of the named `events` when any are given. Files' URLs at `origin`
/// (`""` for paths from the host root).
pub(crate) fn of_job_after(
    connection: &Connection,
    job: i64,
    after: i64,
    events: &[&str],
    limit: u64,
    origin: &str,
) -> Result<Vec<Value>, StoreError> {
    let what = format!("reading the logs of job {job}");
    // Placeholders only: the event names are bound, never spliced into the SQL.
    let filter = if events.is_empty() {
        String::new()
    } else {
        format!(" AND event IN ({})", vec!["?"; events.len()].join(", "))
    };
    let sql = format!("SELECT {COLUMNS} FROM logs WHERE job = ? AND id > ?{filter} ORDER BY id LIMIT ?");
    let mut values: Vec<rusqlite::types::Value> = vec![job.into(), after.into()];
    values.extend(events.iter().map(|event| rusqlite::types::Value::Text((*event).to_owned())));
    values.push(super::clamp(limit).into());
    let mut statement = connection.prepare_cached(&sql).what(&what)?;
    let raws = statement
        .query_map(rusqlite::params_from_iter(values), raw)
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(&what)?;
    raws.into_iter().map(|row| shown(row, origin, &what)).collect()
}

/// The id of the last entry of job `job` (0 when it has none).
pub(crate) fn last_id(connection: &Connection, job: i64) -> Result<i64, StoreError> {
    connection
        .query_row("SELECT coalesce(max(id), 0) FROM logs WHERE job = ?1", [job], |row| row.get(0))
        .what(&format!("reading the last log entry of job {job}"))
}

/// Every entry, in order of arrival, their files' URLs at `origin`.
pub(crate) fn all(connection: &Connection, origin: &str) -> Result<Vec<Value>, StoreError> {
    let what = "reading the logs";
    let mut statement = connection.prepare_cached(&format!("SELECT {COLUMNS} FROM logs ORDER BY id")).what(what)?;
    let raws = statement.query_map([], raw).and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>).what(what)?;
    raws.into_iter().map(|row| shown(row, origin, what)).collect()
}
