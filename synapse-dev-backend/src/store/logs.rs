//! Log entries, as `POST logs/` creates them.

use super::{Context, StoreError, from_column, to_column};
use rusqlite::{Connection, Row, params};
use serde_json::{Value, json};

/// A validated entry, not yet stored.
#[derive(Clone, Debug)]
pub(crate) struct NewLog {
    pub(crate) job: i64,
    pub(crate) event: String,
    pub(crate) data: Value,
    pub(crate) datetime: String,
    pub(crate) file: Option<String>,
    pub(crate) step: Option<String>,
    pub(crate) level: Option<String>,
}

const COLUMNS: &str = "id, event, data, datetime, job, file, step, level";

/// Stores `entries` in one transaction; each as shown back, with its id.
pub(crate) fn insert(connection: &mut Connection, entries: &[NewLog]) -> Result<Vec<Value>, StoreError> {
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
            statement
                .execute(params![
                    entry.job,
                    entry.event,
                    to_column(&entry.data),
                    entry.datetime,
                    entry.file,
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
                "file": entry.file,
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

fn shown((id, event, data, datetime, job, file, step, level): RawLog, what: &str) -> Result<Value, StoreError> {
    let data = from_column(&data, what)?;
    Ok(json!({
        "id": id, "event": event, "data": data, "datetime": datetime,
        "job": job, "file": file, "step": step, "level": level,
    }))
}

/// The entries of one job, in order of arrival.
pub(crate) fn of_job(connection: &Connection, job: i64) -> Result<Vec<Value>, StoreError> {
    let what = format!("reading the logs of job {job}");
    let mut statement =
        connection.prepare_cached(&format!("SELECT {COLUMNS} FROM logs WHERE job = ?1 ORDER BY id")).what(&what)?;
    let raws = statement.query_map([job], raw).and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>).what(&what)?;
    raws.into_iter().map(|row| shown(row, &what)).collect()
}

/// Every entry, in order of arrival.
pub(crate) fn all(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    let what = "reading the logs";
    let mut statement = connection.prepare_cached(&format!("SELECT {COLUMNS} FROM logs ORDER BY id")).what(what)?;
    let raws = statement.query_map([], raw).and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>).what(what)?;
    raws.into_iter().map(|row| shown(row, what)).collect()
}
