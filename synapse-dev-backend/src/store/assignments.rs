//! Assignments: a task handed to a labeler, with what they annotated, as `sdk/assignments/`
//! lists them. An assignment's file is its task's data unit's primary file (kept as a media key
//! there; the route turns it into a URL).

use super::{Context, StoreError, clamp, from_column, to_column};
use crate::time;
use rusqlite::{Connection, params};
use serde_json::{Value, json};

/// The table of the family, created by [`super::migrate`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task INTEGER NOT NULL REFERENCES tasks (id),
    data TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS assignments_by_task ON assignments (task, id);
";

/// An assignment with its task's project and data unit files (media keys).
#[derive(Clone, Debug)]
pub(crate) struct Assignment {
    pub(crate) id: i64,
    pub(crate) project: i64,
    pub(crate) task: i64,
    /// What was annotated (DM v1), `null` before anything was.
    pub(crate) data: Value,
    /// The task's data unit's files: `{<spec>: {key, file_type, is_primary, file_name_original}}`.
    pub(crate) files: Value,
    pub(crate) created: String,
}

/// Creates an assignment of `task` holding `data`; its id.
pub(crate) fn create(connection: &Connection, task: i64, data: &Value) -> Result<i64, StoreError> {
    connection
        .execute(
            "INSERT INTO assignments (task, data, created) VALUES (?1, ?2, ?3)",
            params![task, to_column(data), time::now()],
        )
        .what(&format!("creating an assignment of task {task}"))?;
    Ok(connection.last_insert_rowid())
}

const COLUMNS: &str = "a.id, t.project, a.task, a.data, u.files, a.created FROM assignments a \
     JOIN tasks t ON t.id = a.task JOIN task_data_units u ON u.id = t.data_unit";

/// How many assignments `project` has (every assignment's when `None`).
pub(crate) fn count(connection: &Connection, project: Option<i64>) -> Result<u64, StoreError> {
    let count: i64 = connection
        .query_row(
            "SELECT count(*) FROM assignments a JOIN tasks t ON t.id = a.task WHERE ?1 IS NULL OR t.project = ?1",
            [project],
            |row| row.get(0),
        )
        .what("counting the assignments")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` assignments of `project` (of all when `None`) from `offset` on, by id.
pub(crate) fn list(
    connection: &Connection,
    project: Option<i64>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Assignment>, StoreError> {
    let what = "listing the assignments";
    let rows = connection
        .prepare_cached(&format!(
            "SELECT {COLUMNS} WHERE ?1 IS NULL OR t.project = ?1 ORDER BY a.id LIMIT ?2 OFFSET ?3"
        ))
        .and_then(|mut statement| {
            statement
                .query_map(params![project, clamp(limit), clamp(offset)], |row| {
                    <(i64, i64, i64, String, String, String)>::try_from(row)
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .what(what)?;
    rows.into_iter()
        .map(|(id, project, task, data, files, created)| {
            Ok(Assignment {
                id,
                project,
                task,
                data: from_column(&data, what)?,
                files: from_column(&files, what)?,
                created,
            })
        })
        .collect()
}

/// Every assignment, `{id, project, task, data, created}`, by id (for `/_dev/state`).
pub(crate) fn state(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    Ok(list(connection, None, u64::MAX, 0)?
        .into_iter()
        .map(|a| json!({ "id": a.id, "project": a.project, "task": a.task, "data": a.data, "created": a.created }))
        .collect())
}
