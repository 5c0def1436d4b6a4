//! Data units: a collection's item, binding a data file to each of the collection's file
//! specifications it has, with free-form meta and group names.

use super::files::{self, DataFile};
use crate::store::{Context, StoreError, from_column, to_column};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value, json};

/// A unit, validated, not yet stored.
#[derive(Clone, Debug)]
pub(crate) struct NewUnit {
    pub(crate) data_collection: i64,
    pub(crate) meta: Value,
    /// Group names, outermost first.
    pub(crate) groups: Vec<String>,
    /// `(specification name, data file id, path)`.
    pub(crate) files: Vec<(String, i64, Option<String>)>,
}

/// Stores `units` in one transaction; their ids, in order.
pub(crate) fn insert(connection: &mut Connection, units: &[NewUnit]) -> Result<Vec<i64>, StoreError> {
    let what = "storing the data units";
    let transaction = connection.transaction().what(what)?;
    let mut ids = Vec::with_capacity(units.len());
    {
        let mut insert_unit = transaction
            .prepare_cached("INSERT INTO data_units (data_collection, meta, groups, created) VALUES (?1, ?2, ?3, ?4)")
            .what(what)?;
        let mut insert_file = transaction
            .prepare_cached("INSERT INTO data_unit_files (data_unit, spec, data_file, path) VALUES (?1, ?2, ?3, ?4)")
            .what(what)?;
        let now = crate::time::now();
        for unit in units {
            insert_unit
                .execute(params![unit.data_collection, to_column(&unit.meta), to_column(&json!(unit.groups)), now])
                .what(what)?;
            let id = transaction.last_insert_rowid();
            for (spec, data_file, path) in &unit.files {
                insert_file.execute(params![id, spec, data_file, path]).what(what)?;
            }
            ids.push(id);
        }
    }
    transaction.commit().what(what)?;
    Ok(ids)
}

/// The unit `unit`, just stored as `id`, as [`get`] shows it unexpanded (without reading it
/// back).
pub(crate) fn stored(id: i64, unit: NewUnit) -> Value {
    let mut files: Vec<(String, i64)> = unit.files.into_iter().map(|(spec, data_file, _)| (spec, data_file)).collect();
    // As `get` reads them: by specification name.
    files.sort();
    let files: Map<String, Value> = files.into_iter().map(|(spec, data_file)| (spec, json!(data_file))).collect();
    json!({
        "id": id,
        "data_collection": unit.data_collection,
        "meta": unit.meta,
        "groups": unit.groups,
        "files": files,
    })
}

/// The unit `id` as the API shows it: `{id, data_collection, meta, groups, files}`. `files` maps
/// each specification name to its data file's id, or with `expand` (`?expand=files`) to
/// `{id, url, checksum, size, path, file_type, is_primary, file_name_original}`, the URL absolute
/// at `origin`.
pub(crate) fn get(connection: &Connection, id: i64, expand: bool, origin: &str) -> Result<Option<Value>, StoreError> {
    let what = format!("reading data unit {id}");
    let row: Option<(i64, String, String)> = connection
        .prepare_cached("SELECT data_collection, meta, groups FROM data_units WHERE id = ?1")
        .and_then(|mut statement| {
            statement.query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?))).optional()
        })
        .what(&what)?;
    let Some((collection, meta, groups)) = row else { return Ok(None) };
    let bound: Vec<(String, i64, Option<String>)> = connection
        .prepare_cached("SELECT spec, data_file, path FROM data_unit_files WHERE data_unit = ?1 ORDER BY spec")
        .and_then(|mut statement| {
            statement.query_map([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?.collect()
        })
        .what(&what)?;
    let specs = if expand { super::specs(connection, collection)? } else { Vec::new() };
    let mut shown = Map::new();
    for (spec, data_file, path) in bound {
        let value = if expand {
            let file = files::get(connection, data_file)?;
            let spec = specs.iter().find(|known| known.name == spec);
            expanded(file.as_ref(), data_file, path, spec, origin)
        } else {
            json!(data_file)
        };
        shown.insert(spec, value);
    }
    Ok(Some(json!({
        "id": id,
        "data_collection": collection,
        "meta": from_column(&meta, &what)?,
        "groups": from_column(&groups, &what)?,
        "files": shown,
    })))
}

fn expanded(file: Option<&DataFile>, id: i64, path: Option<String>, spec: Option<&super::Spec>, origin: &str) -> Value {
    json!({
        "id": id,
        "url": file.map(|file| crate::media::url(origin, &file.key)),
        "checksum": file.map(|file| file.checksum.clone()),
        "size": file.map(|file| file.size),
        "path": path,
        "file_type": spec.map(|spec| spec.file_type.clone()),
        "is_primary": spec.is_some_and(|spec| spec.is_primary),
        "file_name_original": file.map(|file| file.filename.clone()),
    })
}

/// Deletes unit `id` with its bindings (its data files stay); whether there was one.
pub(crate) fn delete(connection: &mut Connection, id: i64) -> Result<bool, StoreError> {
    let what = format!("deleting data unit {id}");
    let transaction = connection.transaction().what(&what)?;
    transaction.execute("DELETE FROM data_unit_files WHERE data_unit = ?1", [id]).what(&what)?;
    let deleted = transaction.execute("DELETE FROM data_units WHERE id = ?1", [id]).what(&what)?;
    transaction.commit().what(&what)?;
    Ok(deleted > 0)
}

/// Every unit, by id, files unexpanded (for `/_dev/state`).
pub(crate) fn all(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    let ids: Vec<i64> = connection
        .prepare_cached("SELECT id FROM data_units ORDER BY id")
        .and_then(|mut statement| statement.query_map([], |row| row.get(0))?.collect())
        .what("listing the data units")?;
    ids.into_iter().filter_map(|id| get(connection, id, false, "").transpose()).collect()
}
