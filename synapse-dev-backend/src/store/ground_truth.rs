//! Ground truth: datasets, their versions, and the events of a version (one annotated image
//! each), as `sdk/ground_truth_events/` and `ground_truth_dataset_versions/` show them.
//!
//! An event's files are kept as media keys (`{"image_1": {"key", "file_type", "is_primary"}}`);
//! the routes turn each key into an absolute URL from the request's origin.

use super::{Context, StoreError, from_column, to_column};
use crate::time;
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// The tables of the family, created by [`super::migrate`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS gt_datasets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gt_dataset_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dataset INTEGER NOT NULL REFERENCES gt_datasets (id),
    name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS gt_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    version INTEGER NOT NULL REFERENCES gt_dataset_versions (id),
    category TEXT NOT NULL,
    files TEXT NOT NULL,
    data TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS gt_events_by_version ON gt_events (version, category, id);
CREATE INDEX IF NOT EXISTS gt_events_by_version_id ON gt_events (version, id);
";

/// The split names an event's `category` takes (the SDK maps `valid` to `validation`).
pub(crate) const CATEGORIES: [&str; 3] = ["train", "validation", "test"];

/// A ground-truth event, its files still as media keys.
#[derive(Clone, Debug)]
pub(crate) struct Event {
    pub(crate) id: i64,
    pub(crate) version: i64,
    pub(crate) category: String,
    /// `{<spec name>: {key, file_type, is_primary?}}`.
    pub(crate) files: Value,
    /// The annotations (DM v1).
    pub(crate) data: Value,
    pub(crate) created: String,
}

/// An event to insert.
#[derive(Clone, Debug)]
pub(crate) struct NewEvent {
    pub(crate) category: String,
    pub(crate) files: Value,
    pub(crate) data: Value,
}

/// Creates a version: of the dataset `dataset`, or of a new dataset named `name` when `None`.
/// `Ok(None)` when `dataset` does not exist.
pub(crate) fn create_version(
    connection: &Connection,
    dataset: Option<i64>,
    name: &str,
) -> Result<Option<Value>, StoreError> {
    let what = "creating a ground-truth dataset version";
    let now = time::now();
    let dataset = match dataset {
        Some(id) => {
            let found = connection
                .query_row("SELECT 1 FROM gt_datasets WHERE id = ?1", [id], |_| Ok(()))
                .optional()
                .what(what)?;
            if found.is_none() {
                return Ok(None);
            }
            id
        }
        None => {
            connection
                .execute("INSERT INTO gt_datasets (name, created) VALUES (?1, ?2)", params![name, now])
                .what(what)?;
            connection.last_insert_rowid()
        }
    };
    let count: i64 = connection
        .query_row("SELECT count(*) FROM gt_dataset_versions WHERE dataset = ?1", [dataset], |row| row.get(0))
        .what(what)?;
    connection
        .execute(
            "INSERT INTO gt_dataset_versions (dataset, name, created) VALUES (?1, ?2, ?3)",
            params![dataset, format!("v{}", count + 1), now],
        )
        .what(what)?;
    version(connection, connection.last_insert_rowid())
}

/// Inserts `events` into version `version`, in order; their ids.
pub(crate) fn insert_events(
    connection: &mut Connection,
    version: i64,
    events: &[NewEvent],
) -> Result<Vec<i64>, StoreError> {
    let what = format!("adding events to ground-truth version {version}");
    let transaction = connection.transaction().what(&what)?;
    let now = time::now();
    let mut ids = Vec::with_capacity(events.len());
    {
        let mut statement = transaction
            .prepare_cached(
                "INSERT INTO gt_events (version, category, files, data, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .what(&what)?;
        for event in events {
            statement
                .execute(params![version, event.category, to_column(&event.files), to_column(&event.data), now])
                .what(&what)?;
            ids.push(transaction.last_insert_rowid());
        }
    }
    transaction.commit().what(&what)?;
    Ok(ids)
}

/// `{id, ground_truth_dataset, name, event_count, created}` of version `id`, if any.
pub(crate) fn version(connection: &Connection, id: i64) -> Result<Option<Value>, StoreError> {
    connection
        .query_row(
            "SELECT v.id, v.dataset, v.name, v.created, (SELECT count(*) FROM gt_events e WHERE e.version = v.id)
             FROM gt_dataset_versions v WHERE v.id = ?1",
            [id],
            |row| {
                Ok(json!({
                    "id": row.get::<_, i64>(0)?,
                    "ground_truth_dataset": row.get::<_, i64>(1)?,
                    "name": row.get::<_, String>(2)?,
                    "created": row.get::<_, String>(3)?,
                    "event_count": row.get::<_, i64>(4)?,
                }))
            },
        )
        .optional()
        .what(&format!("reading ground-truth version {id}"))
}

/// Every version, by id.
pub(crate) fn versions(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    super::each_by_id(connection, "gt_dataset_versions", "listing the ground-truth versions", |id| {
        version(connection, id)
    })
}

/// What a listing of events selects.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventFilter {
    /// Events of any of these versions (all when empty).
    pub(crate) versions: Vec<i64>,
    /// Events of this category only.
    pub(crate) category: Option<String>,
    /// Events with any of these ids (all when empty).
    pub(crate) ids: Vec<i64>,
    /// Newest first (by id descending) instead of oldest first.
    pub(crate) descending: bool,
    /// Only the events past this id in the listing's order (a cursor's position).
    pub(crate) after: Option<i64>,
}

impl EventFilter {
    /// The `WHERE` clause and its values; the clause's text comes from here, never the request.
    fn clause(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value as Sql;
        let mut parts = Vec::new();
        let mut values = Vec::new();
        if !self.versions.is_empty() {
            parts.push(format!("version IN ({})", vec!["?"; self.versions.len()].join(", ")));
            values.extend(self.versions.iter().map(|id| Sql::Integer(*id)));
        }
        if !self.ids.is_empty() {
            parts.push(format!("id IN ({})", vec!["?"; self.ids.len()].join(", ")));
            values.extend(self.ids.iter().map(|id| Sql::Integer(*id)));
        }
        if let Some(after) = self.after {
            parts.push(format!("id {} ?", if self.descending { "<" } else { ">" }));
            values.push(Sql::Integer(after));
        }
        if let Some(category) = &self.category {
            parts.push("category = ?".to_owned());
            values.push(Sql::Text(category.clone()));
        }
        let clause = if parts.is_empty() { String::new() } else { format!("WHERE {}", parts.join(" AND ")) };
        (clause, values)
    }
}

/// How many events `filter` selects.
pub(crate) fn count_events(connection: &Connection, filter: &EventFilter) -> Result<u64, StoreError> {
    let (clause, values) = filter.clause();
    let count: i64 = connection
        .prepare_cached(&format!("SELECT count(*) FROM gt_events {clause}"))
        .and_then(|mut statement| statement.query_row(rusqlite::params_from_iter(values), |row| row.get(0)))
        .what("counting the ground-truth events")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` of the events `filter` selects, from `offset` on, by id (descending when the
/// filter says so).
pub(crate) fn list_events(
    connection: &Connection,
    filter: &EventFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<Event>, StoreError> {
    use rusqlite::types::Value as Sql;
    let what = "listing the ground-truth events";
    let (clause, mut values) = filter.clause();
    let order = if filter.descending { "DESC" } else { "ASC" };
    values.push(Sql::Integer(super::clamp(limit)));
    values.push(Sql::Integer(super::clamp(offset)));
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT id, version, category, files, data, created FROM gt_events {clause} ORDER BY id {order} LIMIT ? OFFSET ?"
        ))
        .what(what)?;
    let rows = statement
        .query_map(rusqlite::params_from_iter(values), |row| {
            <(i64, i64, String, String, String, String)>::try_from(row)
        })
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(what)?;
    rows.into_iter()
        .map(|(id, version, category, files, data, created)| {
            Ok(Event {
                id,
                version,
                category,
                files: from_column(&files, what)?,
                data: from_column(&data, what)?,
                created,
            })
        })
        .collect()
}
