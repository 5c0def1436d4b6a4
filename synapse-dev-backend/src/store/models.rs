//! Models: a name, its plugin and version, and the file of the chunked upload it was made from.

use super::{Context, StoreError, clamp, from_column, to_column};
use crate::time;
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value, json};

/// The table of models.
pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS models (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    plugin TEXT,
    version TEXT,
    checkpoint INTEGER,
    chunked_upload TEXT NOT NULL,
    configuration TEXT NOT NULL,
    description TEXT,
    media_key TEXT NOT NULL,
    created TEXT NOT NULL
);
";

const COLUMNS: &str =
    "id, name, plugin, version, checkpoint, chunked_upload, configuration, description, media_key, created";

/// What `POST models/` creates, validated.
#[derive(Debug)]
pub(crate) struct NewModel {
    pub(crate) name: String,
    pub(crate) plugin: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) checkpoint: Option<i64>,
    pub(crate) chunked_upload: String,
    pub(crate) configuration: Value,
    pub(crate) description: Option<String>,
    /// The media key of the upload's file.
    pub(crate) media_key: String,
}

/// A model.
#[derive(Clone, Debug)]
pub(crate) struct Model {
    id: i64,
    name: String,
    plugin: Option<String>,
    version: Option<String>,
    checkpoint: Option<i64>,
    chunked_upload: String,
    configuration: Value,
    description: Option<String>,
    media_key: String,
    created: String,
}

type Raw = (i64, String, Option<String>, Option<String>, Option<i64>, String, String, Option<String>, String, String);

impl Model {
    fn from_row(row: &Row<'_>) -> rusqlite::Result<Raw> {
        Raw::try_from(row)
    }

    fn parse(raw: Raw) -> Result<Self, StoreError> {
        let (id, name, plugin, version, checkpoint, chunked_upload, configuration, description, media_key, created) =
            raw;
        let configuration = from_column(&configuration, &format!("reading model {id}"))?;
        Ok(Self {
            id,
            name,
            plugin,
            version,
            checkpoint,
            chunked_upload,
            configuration,
            description,
            media_key,
            created,
        })
    }

    /// `{id, name, plugin, version, checkpoint, configuration, description, file, created}`, the
    /// file's URL absolute at `origin`.
    pub(crate) fn to_json(&self, origin: &str) -> Value {
        self.json_with(None, ("file", json!(crate::media::url(origin, &self.media_key))))
    }

    /// What `/_dev/state` shows: the model with its upload and media key (no URL: no request).
    pub(crate) fn to_state_json(&self) -> Value {
        self.json_with(Some(("chunked_upload", json!(self.chunked_upload))), ("media_key", json!(self.media_key)))
    }

    /// The fields both views show, `after_checkpoint` after `checkpoint` and `before_created`
    /// before `created` (the keys keep the order the views have always had).
    fn json_with(&self, after_checkpoint: Option<(&str, Value)>, before_created: (&str, Value)) -> Value {
        let mut object = Map::new();
        object.insert("id".to_owned(), json!(self.id));
        object.insert("name".to_owned(), json!(self.name));
        object.insert("plugin".to_owned(), json!(self.plugin));
        object.insert("version".to_owned(), json!(self.version));
        object.insert("checkpoint".to_owned(), json!(self.checkpoint));
        object.extend(after_checkpoint.map(|(key, value)| (key.to_owned(), value)));
        object.insert("configuration".to_owned(), self.configuration.clone());
        object.insert("description".to_owned(), json!(self.description));
        object.insert(before_created.0.to_owned(), before_created.1);
        object.insert("created".to_owned(), json!(self.created));
        Value::Object(object)
    }
}

/// Creates a model.
pub(crate) fn create(connection: &Connection, model: &NewModel) -> Result<Model, StoreError> {
    connection
        .execute(
            "INSERT INTO models (name, plugin, version, checkpoint, chunked_upload, configuration, description,
                                 media_key, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                model.name,
                model.plugin,
                model.version,
                model.checkpoint,
                model.chunked_upload,
                to_column(&model.configuration),
                model.description,
                model.media_key,
                time::now()
            ],
        )
        .what("creating a model")?;
    let id = connection.last_insert_rowid();
    get(connection, id)?.ok_or_else(|| StoreError { what: format!("reading model {id}"), cause: "it is gone".into() })
}

/// The model with this id, if any.
pub(crate) fn get(connection: &Connection, id: i64) -> Result<Option<Model>, StoreError> {
    let raw = connection
        .query_row(&format!("SELECT {COLUMNS} FROM models WHERE id = ?1"), [id], Model::from_row)
        .optional()
        .what(&format!("reading model {id}"))?;
    raw.map(Model::parse).transpose()
}

/// How many models there are.
pub(crate) fn count(connection: &Connection) -> Result<u64, StoreError> {
    let count: i64 =
        connection.query_row("SELECT count(*) FROM models", [], |row| row.get(0)).what("counting the models")?;
    Ok(u64::try_from(count).unwrap_or(0))
}

/// At most `limit` models from `offset` on, by id.
pub(crate) fn list(connection: &Connection, limit: u64, offset: u64) -> Result<Vec<Model>, StoreError> {
    let what = "listing the models";
    let mut statement = connection
        .prepare_cached(&format!("SELECT {COLUMNS} FROM models ORDER BY id LIMIT ?1 OFFSET ?2"))
        .what(what)?;
    let raws = statement
        .query_map(params![clamp(limit), clamp(offset)], Model::from_row)
        .and_then(Iterator::collect::<rusqlite::Result<Vec<_>>>)
        .what(what)?;
    raws.into_iter().map(Model::parse).collect()
}

/// Every model as `/_dev/state` shows it, by id.
pub(crate) fn state(connection: &Connection) -> Result<Vec<Value>, StoreError> {
    Ok(list(connection, u64::MAX, 0)?.iter().map(Model::to_state_json).collect())
}
