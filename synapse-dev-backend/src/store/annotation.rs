//! Annotation: projects (with their class schema), their tasks (each with the data unit it
//! annotates), and the annotations submitted to a task through `annotate_task_data/`.
//!
//! A task's data unit keeps its files as media keys (`{"image_1": {"key", "file_type",
//! "is_primary", "file_name_original"}}`); the routes turn each key into an absolute URL.

use super::{Context, StoreError, clamp, from_column, to_column};
use crate::time;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// The tables of the family, created by [`super::migrate`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS projects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL,
    configuration TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS task_data_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    files TEXT NOT NULL,
    meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project INTEGER NOT NULL REFERENCES projects (id),
    data_unit INTEGER NOT NULL REFERENCES task_data_units (id),
    data TEXT NOT NULL,
    created TEXT NOT NULL,
    modified TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_project ON tasks (project, id);
CREATE TABLE IF NOT EXISTS task_annotations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task INTEGER NOT NULL REFERENCES tasks (id),
    schema TEXT,
    action TEXT NOT NULL,
    data TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS task_annotations_by_task ON task_annotations (task, id);
";

/// A task with its data unit, files still as media keys.
#[derive(Clone, Debug)]
pub(crate) struct Task {
    pub(crate) id: i64,
    pub(crate) project: i64,
    pub(crate) data: Value,
    pub(crate) data_unit: i64,
    /// `{<spec name>: {key, file_type, is_primary, file_name_original}}`.
    pub(crate) files: Value,
    pub(crate) meta: Value,
    pub(crate) created: String,
    pub(crate) modified: String,
}

/// Creates a project; its id.
pub(crate) fn create_project(connection: &Connection, title: &str, configuration: &Value) -> Result<i64, StoreError> {
    connection
        .execute(
            "INSERT INTO projects (title, configuration, created) VALUES (?1, ?2, ?3)",
            params![title, to_column(configuration), time::now()],
        )
        .what("creating a project")?;
    Ok(connection.last_insert_rowid())
}

/// `{id, title, configuration, data_collection, task_count, created}` of project `id`, if any
/// (`data_collection` null when it has none).
pub(crate) fn project(connection: &Connection, id: i64) -> Result<Option<Value>, StoreError> {
    let what = format!("reading project {id}");
    let row = connection
        .query_row(
            "SELECT p.id, p.title, p.configuration, p.created, (SELECT count(*) FROM tasks t WHERE t.project = p.id)
             FROM projects p WHERE p.id = ?1",
            [id],
            |row| <(i64, String, String, String, i64)>::try_from(row),
        )
        .optional()
        .what(&what)?;
    row.map(|(id, title, configuration, created, tasks)| {
        Ok(json!({
            "id": id,
            "title": title,
            "configuration": from_column(&configuration, &what)?,
            "data_collection": super::project_collections::collection_of(connection, id)?,
            "task_count": tasks,
            "created": created,
        }))
    })
    .transpose()
}

/// Every project, by id.
pub(crate) fn projects(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    super::each_by_id(connection, "projects", "listing the projects", |id| project(connection, id))
}

/// Creates a task of `project` with a data unit holding `files`; its id.
pub(crate) fn create_task(
    connection: &Connection,
    project: i64,
    files: &Value,
    meta: &Value,
) -> Result<i64, StoreError> {
    let what = format!("creating a task of project {project}");
    let now = time::now();
    connection
        .execute(
            "INSERT INTO task_data_units (files, meta) VALUES (?1, ?2)",
            params![to_column(files), to_column(meta)],
        )
        .what(&what)?;
    let unit = connection.last_insert_rowid();
    connection
        .execute(
            "INSERT INTO tasks (project, data_unit, data, created, modified) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![project, unit, to_column(&Value::Null), now],
        )
        .what(&what)?;
    Ok(connection.last_insert_rowid())
}

const TASK_COLUMNS: &str = "t.id, t.project, t.data, t.data_unit, u.files, u.meta, t.created, t.modified FROM tasks t JOIN task_data_units u ON u.id = t.data_unit";

type RawTask = (i64, i64, String, i64, String, String, String, String);

fn raw_task(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawTask> {
    RawTask::try_from(row)
}

fn parse_task(raw: RawTask) -> Result<Task, StoreError> {
    let (id, project, data, data_unit, files, meta, created, modified) = raw;
    let what = format!("reading task {id}");
    Ok(Task {
        id,
        project,
        data: from_column(&data, &what)?,
        data_unit,
        files: from_column(&files, &what)?,
        meta: from_column(&meta, &what)?,
        created,
        modified,
    })
}

/// Task `id`, if any.
pub(crate) fn task(connection: &Connection, id: i64) -> Result<Option<Task>, StoreError> {
    connection
        .query_row(&format!("SELECT {TASK_COLUMNS} WHERE t.id = ?1"), [id], raw_task)
        .optional()
        .what(&format!("reading task {id}"))?
        .map(parse_task)
        .transpose()
}

/// How many tasks `project` has (every task's when `None`).
pub(crate) fn count_tasks(connection: &Connection, project: Option<i64>) -> Result<u64, StoreError> {
    let count: i64 = connection
        .query_row("SELECT count(*) FROM tasks WHERE ?1 IS NULL OR project = ?1", [project], |row| row.get(0))
        .what("counting the tasks")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` tasks of `project` (of all when `None`) from `offset` on, by id.
pub(crate) fn list_tasks(
    connection: &Connection,
    project: Option<i64>,
    limit: u64,
    offset: u64,
) -> Result<Vec<Task>, StoreError> {
    let what = "listing the tasks";
    let raws = connection
        .prepare_cached(&format!(
            "SELECT {TASK_COLUMNS} WHERE ?1 IS NULL OR t.project = ?1 ORDER BY t.id LIMIT ?2 OFFSET ?3"
        ))
        .and_then(|mut statement| {
            statement
                .query_map(params![project, clamp(limit), clamp(offset)], raw_task)?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .what(what)?;
    raws.into_iter().map(parse_task).collect()
}

/// Records an annotation of task `id` and makes `data` the task's data, in one transaction;
/// `None` when there is no such task.
pub(crate) fn annotate(
    connection: &mut Connection,
    id: i64,
    schema: Option<&str>,
    action: &str,
    data: &Value,
) -> Result<Option<Task>, StoreError> {
    let what = format!("annotating task {id}");
    let transaction = connection.transaction().what(&what)?;
    let now = time::now();
    let changed = transaction
        .execute("UPDATE tasks SET data = ?1, modified = ?2 WHERE id = ?3", params![to_column(data), now, id])
        .what(&what)?;
    if changed == 0 {
        return Ok(None);
    }
    transaction
        .execute(
            "INSERT INTO task_annotations (task, schema, action, data, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, schema, action, to_column(data), now],
        )
        .what(&what)?;
    let task = task(&transaction, id)?;
    transaction.commit().what(&what)?;
    Ok(task)
}

/// Every annotation submitted to task `id`, `{id, schema, action, data, at}`, in order.
pub(crate) fn annotations(connection: &Connection, id: i64) -> Result<Vec<Value>, StoreError> {
    let what = format!("reading the annotations of task {id}");
    let rows = connection
        .prepare_cached("SELECT id, schema, action, data, at FROM task_annotations WHERE task = ?1 ORDER BY id")
        .and_then(|mut statement| {
            statement
                .query_map([id], |row| <(i64, Option<String>, String, String, String)>::try_from(row))?
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .what(&what)?;
    rows.into_iter()
        .map(|(id, schema, action, data, at)| {
            Ok(json!({ "id": id, "schema": schema, "action": action, "data": from_column(&data, &what)?, "at": at }))
        })
        .collect()
}
