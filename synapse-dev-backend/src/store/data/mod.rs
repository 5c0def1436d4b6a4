//! Data collections (with their file specifications), data files, data units and the presigned
//! uploads that become data files: the tables and the reads and writes of the data routes.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the schema, data collections and their file specifications |
//! | `files.rs` | data files (stored media with their SHA-1 and size), and the chunked uploads they may come from |
//! | `presigned.rs` | presigned uploads: their tokens, expiry and multipart parts |
//! | `units.rs` | data units and the files they bind to specifications |

pub(crate) mod files;
pub(crate) mod presigned;
pub(crate) mod units;

use super::{Context, StoreError, from_column, to_column};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Value, json};

/// The data family's tables (a data file made from a finished chunked upload reads
/// [`crate::store::uploads`]).
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS data_collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS file_specifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data_collection INTEGER NOT NULL REFERENCES data_collections (id),
    name TEXT NOT NULL,
    file_type TEXT NOT NULL,
    is_required INTEGER NOT NULL,
    is_primary INTEGER NOT NULL,
    function_type TEXT NOT NULL,
    spec_index INTEGER NOT NULL,
    configuration TEXT NOT NULL,
    is_sequential INTEGER NOT NULL,
    UNIQUE (data_collection, name)
);
CREATE TABLE IF NOT EXISTS data_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL,
    filename TEXT NOT NULL,
    checksum TEXT NOT NULL,
    size INTEGER NOT NULL,
    origin TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS data_files_by_checksum ON data_files (checksum);
CREATE TABLE IF NOT EXISTS presigned_uploads (
    file_key TEXT PRIMARY KEY,
    filename TEXT NOT NULL,
    size INTEGER NOT NULL,
    content_type TEXT,
    signature TEXT NOT NULL,
    upload_id TEXT,
    part_size INTEGER,
    parts INTEGER,
    expires_at TEXT NOT NULL,
    expires_epoch INTEGER NOT NULL,
    data_file INTEGER
);
CREATE TABLE IF NOT EXISTS presigned_parts (
    file_key TEXT NOT NULL REFERENCES presigned_uploads (file_key),
    part_number INTEGER NOT NULL,
    etag TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (file_key, part_number)
);
CREATE TABLE IF NOT EXISTS data_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data_collection INTEGER NOT NULL REFERENCES data_collections (id),
    meta TEXT NOT NULL,
    groups TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS data_unit_files (
    data_unit INTEGER NOT NULL REFERENCES data_units (id) ON DELETE CASCADE,
    spec TEXT NOT NULL,
    data_file INTEGER NOT NULL REFERENCES data_files (id),
    path TEXT,
    PRIMARY KEY (data_unit, spec)
);
";

/// The file types a specification may have (`DataCollectionFileSpecificationV2.file_type`).
pub(crate) const FILE_TYPES: [&str; 6] = ["image", "video", "audio", "text", "pcd", "data"];

/// The roles a specification may have (`function_type`).
pub(crate) const FUNCTION_TYPES: [&str; 3] = ["main", "sub", "meta"];

/// A file specification, validated, not yet stored.
#[derive(Clone, Debug)]
pub(crate) struct NewSpec {
    pub(crate) name: String,
    pub(crate) file_type: String,
    pub(crate) is_required: bool,
    pub(crate) is_primary: bool,
    pub(crate) function_type: String,
    pub(crate) index: i64,
    pub(crate) configuration: Value,
    pub(crate) is_sequential: bool,
}

/// A stored specification: what units are checked against.
#[derive(Clone, Debug)]
pub(crate) struct Spec {
    pub(crate) name: String,
    pub(crate) file_type: String,
    pub(crate) is_required: bool,
    pub(crate) is_primary: bool,
    /// Its JSON, as `?expand=file_specifications` shows it.
    pub(crate) json: Value,
}

/// Creates a collection with its specifications in one transaction; the collection as
/// `GET data_collections/{id}/?expand=file_specifications` shows it.
pub(crate) fn create_collection(
    connection: &mut Connection,
    name: &str,
    specs: &[NewSpec],
) -> Result<Value, StoreError> {
    let what = format!("creating the data collection {name:?}");
    let transaction = connection.transaction().what(&what)?;
    transaction
        .execute("INSERT INTO data_collections (name, created) VALUES (?1, ?2)", params![name, crate::time::now()])
        .what(&what)?;
    let id = transaction.last_insert_rowid();
    for spec in specs {
        transaction
            .execute(
                "INSERT INTO file_specifications (data_collection, name, file_type, is_required, is_primary,
                 function_type, spec_index, configuration, is_sequential)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    id,
                    spec.name,
                    spec.file_type,
                    spec.is_required,
                    spec.is_primary,
                    spec.function_type,
                    spec.index,
                    to_column(&spec.configuration),
                    spec.is_sequential
                ],
            )
            .what(&what)?;
    }
    let collection = collection(&transaction, id, true)?;
    transaction.commit().what(&what)?;
    collection.ok_or_else(|| StoreError { what, cause: "it is gone".into() })
}

/// The collection `id` as the API shows it: `{id, name, file_specifications}`, the
/// specifications as objects when `expand`, as their ids otherwise (DRF's unexpanded relation).
pub(crate) fn collection(connection: &Connection, id: i64, expand: bool) -> Result<Option<Value>, StoreError> {
    let what = format!("reading data collection {id}");
    let name: Option<String> = connection
        .query_row("SELECT name FROM data_collections WHERE id = ?1", [id], |row| row.get(0))
        .optional()
        .what(&what)?;
    let Some(name) = name else { return Ok(None) };
    let specs = specs(connection, id)?;
    let shown: Vec<Value> =
        specs.into_iter().map(|spec| if expand { spec.json } else { spec.json["id"].clone() }).collect();
    Ok(Some(json!({ "id": id, "name": name, "file_specifications": shown })))
}

/// Whether collection `id` exists.
pub(crate) fn collection_exists(connection: &Connection, id: i64) -> Result<bool, StoreError> {
    connection
        .query_row("SELECT 1 FROM data_collections WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
        .what(&format!("looking up data collection {id}"))
}

/// The specifications of collection `id`, by index then id.
pub(crate) fn specs(connection: &Connection, id: i64) -> Result<Vec<Spec>, StoreError> {
    let what = format!("reading the file specifications of data collection {id}");
    let mut statement = connection
        .prepare_cached(
            "SELECT id, name, file_type, is_required, is_primary, function_type, spec_index, configuration,
             is_sequential FROM file_specifications WHERE data_collection = ?1 ORDER BY spec_index, id",
        )
        .what(&what)?;
    type Row = (i64, String, String, bool, bool, String, i64, String, bool);
    let rows = statement
        .query_map([id], |row| Row::try_from(row))
        .and_then(Iterator::collect::<rusqlite::Result<Vec<Row>>>)
        .what(&what)?;
    rows.into_iter()
        .map(|(spec_id, name, file_type, is_required, is_primary, function_type, index, configuration, sequential)| {
            let configuration = from_column(&configuration, &what)?;
            let json = json!({
                "id": spec_id,
                "name": name,
                "file_type": file_type,
                "is_required": is_required,
                "is_primary": is_primary,
                "function_type": function_type,
                "index": index,
                "configuration": configuration,
                "is_sequential": sequential,
            });
            Ok(Spec { name, file_type, is_required, is_primary, json })
        })
        .collect()
}

/// Every collection, expanded, by id (for `/_dev/state`).
pub(crate) fn all_collections(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    crate::store::each_by_id(connection, "data_collections", "listing the data collections", |id| {
        collection(connection, id, true)
    })
}
