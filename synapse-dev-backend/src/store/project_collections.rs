//! Which data collection a project annotates (`GET projects/{id}/`'s `data_collection`, which
//! the SDK's `to_task` reads to find the file specifications): one row per project.

use super::data::{self, NewSpec};
use super::{Context, StoreError};
use rusqlite::{Connection, OptionalExtension, params};

/// The family's table, created by [`super::migrate`].
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS project_data_collections (
    project INTEGER PRIMARY KEY REFERENCES projects (id),
    data_collection INTEGER NOT NULL REFERENCES data_collections (id)
);
";

/// Creates a data collection named `name` with `specs` and makes it `project`'s; its id.
pub(crate) fn create(
    connection: &mut Connection,
    project: i64,
    name: &str,
    specs: &[NewSpec],
) -> Result<i64, StoreError> {
    let collection = data::create_collection(connection, name, specs)?;
    let id = collection["id"].as_i64().ok_or_else(|| StoreError {
        what: format!("creating the data collection of project {project}"),
        cause: format!("the new collection has no integer id: {collection}"),
    })?;
    link(connection, project, id)?;
    Ok(id)
}

/// Makes `collection` the data collection of `project`.
pub(crate) fn link(connection: &Connection, project: i64, collection: i64) -> Result<(), StoreError> {
    connection
        .execute(
            "INSERT OR REPLACE INTO project_data_collections (project, data_collection) VALUES (?1, ?2)",
            params![project, collection],
        )
        .what(&format!("linking project {project} to data collection {collection}"))?;
    Ok(())
}

/// The data collection of `project`, if it has one.
pub(crate) fn collection_of(connection: &Connection, project: i64) -> Result<Option<i64>, StoreError> {
    connection
        .query_row("SELECT data_collection FROM project_data_collections WHERE project = ?1", [project], |row| {
            row.get(0)
        })
        .optional()
        .what(&format!("reading the data collection of project {project}"))
}
