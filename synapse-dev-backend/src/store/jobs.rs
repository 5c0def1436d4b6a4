//! Jobs and the PATCHes applied to them.

use super::{Context, StoreError, clamp, from_column, to_column};
use crate::time;
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The job statuses, as the backend's `Job.Status` choices spell them.
pub(crate) const STATUSES: [&str; 5] = ["PENDING", "RUNNING", "STOPPED", "SUCCEEDED", "FAILED"];

/// The free-form JSON fields of a job, in the order the job is shown.
pub(crate) const JSON_FIELDS: [&str; 5] = ["progress_record", "metrics_record", "console_logs", "result", "meta"];

const COLUMNS: &str = "id, status, progress_record, metrics_record, console_logs, result, meta, created, modified";

/// A job, as `GET jobs/{id}/` shows it.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    id: i64,
    status: String,
    /// The values of [`JSON_FIELDS`], in that order.
    fields: [Value; 5],
    created: String,
    modified: String,
}

impl Job {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<(i64, String, [String; 5], String, String)> {
        Ok((
            row.get(0)?,
            row.get(1)?,
            [row.get(2)?, row.get(3)?, row.get(4)?, row.get(5)?, row.get(6)?],
            row.get(7)?,
            row.get(8)?,
        ))
    }

    fn parse(raw: (i64, String, [String; 5], String, String)) -> Result<Self, StoreError> {
        let (id, status, texts, created, modified) = raw;
        let mut fields: [Value; 5] = Default::default();
        for (field, text) in fields.iter_mut().zip(&texts) {
            *field = from_column(text, &format!("reading job {id}"))?;
        }
        Ok(Self { id, status, fields, created, modified })
    }

    /// The job's id.
    pub(crate) fn id(&self) -> i64 {
        self.id
    }

    /// Its status, one of [`STATUSES`].
    pub(crate) fn status(&self) -> &str {
        &self.status
    }

    /// The value of `name`, one of [`JSON_FIELDS`] (null for any other name).
    pub(crate) fn field(&self, name: &str) -> &Value {
        JSON_FIELDS.iter().position(|field| *field == name).map_or(&Value::Null, |index| &self.fields[index])
    }

    /// When it was created, as the API shows it.
    pub(crate) fn created(&self) -> &str {
        &self.created
    }

    /// When it last changed, as the API shows it.
    pub(crate) fn modified(&self) -> &str {
        &self.modified
    }

    /// `{id, status, progress_record, metrics_record, console_logs, result, meta, created, modified}`.
    pub(crate) fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert("id".to_owned(), json!(self.id));
        object.insert("status".to_owned(), json!(self.status));
        for (name, value) in JSON_FIELDS.iter().zip(&self.fields) {
            object.insert((*name).to_owned(), value.clone());
        }
        object.insert("created".to_owned(), json!(self.created));
        object.insert("modified".to_owned(), json!(self.modified));
        Value::Object(object)
    }
}

/// What a PATCH sets: the status and any of [`JSON_FIELDS`], already validated.
#[derive(Debug, Default)]
pub(crate) struct JobChanges {
    /// One of [`STATUSES`].
    pub(crate) status: Option<String>,
    /// Each a name from [`JSON_FIELDS`], with its new value.
    pub(crate) fields: Vec<(&'static str, Value)>,
}

/// Creates a job; the free-form fields start null.
pub(crate) fn create(connection: &Connection, status: &str, meta: Option<Value>) -> Result<Job, StoreError> {
    let now = time::now();
    let null = to_column(&Value::Null);
    let meta = to_column(&meta.unwrap_or(Value::Null));
    connection
        .execute(
            "INSERT INTO jobs (status, progress_record, metrics_record, console_logs, result, meta, created, modified)
             VALUES (?1, ?2, ?2, ?2, ?2, ?3, ?4, ?4)",
            params![status, null, meta, now],
        )
        .what("creating a job")?;
    let id = connection.last_insert_rowid();
    get(connection, id)?.ok_or_else(|| StoreError { what: format!("reading job {id}"), cause: "it is gone".into() })
}

/// The job with this id, if any.
pub(crate) fn get(connection: &Connection, id: i64) -> Result<Option<Job>, StoreError> {
    let raw = connection
        .query_row(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"), [id], Job::from_row)
        .optional()
        .what(&format!("reading job {id}"))?;
    raw.map(Job::parse).transpose()
}

/// Whether a job with this id exists.
pub(crate) fn exists(connection: &Connection, id: i64) -> Result<bool, StoreError> {
    connection
        .query_row("SELECT 1 FROM jobs WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .what(&format!("looking up job {id}"))
}

/// How many jobs there are.
pub(crate) fn count(connection: &Connection) -> Result<u64, StoreError> {
    let count: i64 =
        connection.query_row("SELECT count(*) FROM jobs", [], |row| row.get(0)).what("counting the jobs")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` jobs from `offset` on, by id.
pub(crate) fn list(connection: &Connection, limit: u64, offset: u64) -> Result<Vec<Job>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs ORDER BY id LIMIT ?1 OFFSET ?2"))
        .what("listing the jobs")?;
    let raws = statement
        .query_map(params![clamp(limit), clamp(offset)], Job::from_row)
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what("listing the jobs")?;
    raws.into_iter().map(Job::parse).collect()
}

/// At most `limit` jobs from `offset` on, newest (highest id) first.
pub(crate) fn newest(connection: &Connection, limit: u64, offset: u64) -> Result<Vec<Job>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM jobs ORDER BY id DESC LIMIT ?1 OFFSET ?2"))
        .what("listing the newest jobs")?;
    let raws = statement
        .query_map(params![clamp(limit), clamp(offset)], Job::from_row)
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what("listing the newest jobs")?;
    raws.into_iter().map(Job::parse).collect()
}

/// All jobs, by id.
pub(crate) fn all(connection: &Connection) -> Result<Vec<Job>, StoreError> {
    list(connection, u64::MAX, 0)
}

/// Applies `changes` to job `id` and records the PATCH (`body`, as received) in one transaction;
/// `None` when there is no such job.
pub(crate) fn patch(
    connection: &mut Connection,
    id: i64,
    changes: &JobChanges,
    body: &Value,
) -> Result<Option<Job>, StoreError> {
    let what = format!("patching job {id}");
    let transaction = connection.transaction().what(&what)?;
    if !exists(&transaction, id)? {
        return Ok(None);
    }
    let now = time::now();
    // Column names come from JSON_FIELDS, never from the request.
    let mut sets = vec!["modified = ?".to_owned()];
    let mut values = vec![SqlValue::Text(now.clone())];
    if let Some(status) = &changes.status {
        sets.push("status = ?".to_owned());
        values.push(SqlValue::Text(status.clone()));
    }
    for (name, value) in &changes.fields {
        if JSON_FIELDS.contains(name) {
            sets.push(format!("{name} = ?"));
            values.push(SqlValue::Text(to_column(value)));
        }
    }
    values.push(SqlValue::Integer(id));
    transaction
        .execute(&format!("UPDATE jobs SET {} WHERE id = ?", sets.join(", ")), params_from_iter(&values))
        .what(&what)?;
    transaction
        .execute("INSERT INTO job_patches (job, body, at) VALUES (?1, ?2, ?3)", params![id, to_column(body), now])
        .what(&what)?;
    let job = get(&transaction, id)?;
    transaction.commit().what(&what)?;
    Ok(job)
}

/// The bodies of the PATCHes job `id` got, in order of arrival.
pub(crate) fn patch_bodies(connection: &Connection, id: i64) -> Result<Vec<Value>, StoreError> {
    let what = format!("reading the patches of job {id}");
    let mut statement =
        connection.prepare_cached("SELECT body FROM job_patches WHERE job = ?1 ORDER BY id").what(&what)?;
    let bodies = statement
        .query_map([id], |row| row.get::<_, String>(0))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(&what)?;
    bodies.iter().map(|body| from_column(body, &what)).collect()
}

/// Every recorded PATCH, `{id, body, at}`, by job then order of arrival.
pub(crate) fn patches(connection: &Connection) -> Result<BTreeMap<i64, Vec<Value>>, StoreError> {
    let what = "reading the job patches";
    let mut statement =
        connection.prepare_cached("SELECT id, job, body, at FROM job_patches ORDER BY id").what(what)?;
    let rows = statement
        .query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, String>(2)?, row.get(3)?)))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<(i64, i64, String, String)>>>)
        .what(what)?;
    let mut by_job: BTreeMap<i64, Vec<Value>> = BTreeMap::new();
    for (id, job, body, at) in rows {
        let body = from_column(&body, what)?;
        by_job.entry(job).or_default().push(json!({ "id": id, "body": body, "at": at }));
    }
    Ok(by_job)
}
