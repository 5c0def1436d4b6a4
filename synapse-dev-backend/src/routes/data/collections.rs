//! `GET data_collections/{id}/` (`?expand=file_specifications`), and `POST /_dev/data_collections`,
//! which seeds a collection with its file specifications.

use crate::drf::fields::{self, CharField, FieldErrors};
use crate::drf::{ApiError, lenient_json_body};
use crate::routes::{App, Shared, created, path_id};
use crate::store::data::{self, FILE_TYPES, FUNCTION_TYPES, NewSpec};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// Whether the query's `expand` (repeated, or comma-separated) names `field`.
pub(crate) fn expands(query: Option<&str>, field: &str) -> bool {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .any(|(key, value)| key == "expand" && value.split(',').any(|name| name.trim() == field))
}

/// `GET data_collections/{id}/`: `{id, name, file_specifications}`, the specifications as
/// objects with `?expand=file_specifications`, as ids without.
pub(crate) async fn retrieve(
    State(app): State<Shared>,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let expand = expands(uri.query(), "file_specifications");
    let collection =
        app.store.run(move |connection| data::collection(connection, id, expand)).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(collection))
}

/// `POST /_dev/data_collections` `{name, file_specifications: [{name, file_type, is_required?,
/// is_primary?, function_type?, index?, configuration?, is_sequential?}]}`: 201 with the
/// collection, expanded.
pub(crate) async fn seed(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body = lenient_json_body(&body)?.unwrap_or_else(|| json!({}));
    Ok(created(create(&app, body).await?))
}

/// Creates the collection `body` describes (as `POST /_dev/data_collections` takes it, or a
/// fixture file's `data_collections` entry): the collection, expanded, or DRF field errors.
pub(crate) async fn create(app: &App, body: Value) -> Result<Value, ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(&body));
        return Err(ApiError::fields(errors.into_map()));
    };
    let name = CharField { required: true, allow_null: false, allow_blank: false }
        .read(&object, "name")
        .unwrap_or_else(|message| {
            errors.add("name", message);
            None
        });
    let specs = match object.get("file_specifications") {
        None => Vec::new(),
        Some(Value::Array(items)) => {
            let mut specs = Vec::new();
            let mut entry_errors = Vec::new();
            for (position, item) in items.iter().enumerate() {
                match read_spec(item, position) {
                    Ok(spec) => {
                        if specs.iter().any(|known: &NewSpec| known.name == spec.name) {
                            let mut duplicate = Map::new();
                            duplicate.insert("name".into(), json!([format!("\"{}\" is named twice.", spec.name)]));
                            entry_errors.push(Value::Object(duplicate));
                        } else {
                            entry_errors.push(json!({}));
                        }
                        specs.push(spec);
                    }
                    Err(message) => entry_errors.push(Value::Object(message)),
                }
            }
            if entry_errors.iter().any(|entry| entry != &json!({})) {
                errors.set("file_specifications", Value::Array(entry_errors));
            } else if specs.iter().filter(|spec| spec.is_primary).count() > 1 {
                errors.add("file_specifications", "At most one file specification may be primary.");
            }
            specs
        }
        Some(other) => {
            errors.add(
                "file_specifications",
                format!("Expected a list of items but got type \"{}\".", fields::python_type(other)),
            );
            Vec::new()
        }
    };
    for key in object.keys() {
        if key != "name" && key != "file_specifications" {
            errors.add(key, fields::NOT_ALLOWED);
        }
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else { return Err(ApiError::fields(errors.into_map())) };
    Ok(app.store.run(move |connection| data::create_collection(connection, &name, &specs)).await?)
}

/// One specification of a seed, or its field errors.
fn read_spec(item: &Value, position: usize) -> Result<NewSpec, Map<String, Value>> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = item else {
        errors.add("non_field_errors", fields::expected_dict(item));
        return Err(errors.into_map());
    };
    let name = CharField { required: true, allow_null: false, allow_blank: false }
        .read(object, "name")
        .unwrap_or_else(|message| {
            errors.add("name", message);
            None
        })
        .unwrap_or_default();
    let mut choice = |field: &str, choices: &[&str], default: Option<&str>| match object.get(field) {
        None if default.is_some() => default.unwrap_or_default().to_owned(),
        Some(Value::String(value)) if choices.contains(&value.as_str()) => value.clone(),
        None => {
            errors.add(field, fields::REQUIRED);
            String::new()
        }
        Some(other) => {
            errors.add(field, fields::invalid_choice(other));
            String::new()
        }
    };
    let file_type = choice("file_type", &FILE_TYPES, None);
    let function_type = choice("function_type", &FUNCTION_TYPES, Some("main"));
    let mut flag = |field: &str| match object.get(field) {
        None | Some(Value::Null) => false,
        Some(Value::Bool(value)) => *value,
        Some(_) => {
            errors.add(field, "Must be a valid boolean.");
            false
        }
    };
    let is_required = flag("is_required");
    let is_primary = flag("is_primary");
    let is_sequential = flag("is_sequential");
    // `image_1` is index 1 (the `{spec_key}_{index}` naming); else the position, from 1.
    let named_index = name.rsplit_once('_').and_then(|(_, index)| index.parse::<i64>().ok());
    let index = match object.get("index") {
        None | Some(Value::Null) => named_index.unwrap_or(i64::try_from(position).unwrap_or(0) + 1),
        Some(Value::Number(number)) if number.is_i64() => number.as_i64().unwrap_or_default(),
        Some(_) => {
            errors.add("index", "A valid integer is required.");
            0
        }
    };
    let configuration = object.get("configuration").cloned().filter(|value| !value.is_null()).unwrap_or(json!({}));
    if errors.is_empty() {
        Ok(NewSpec { name, file_type, is_required, is_primary, function_type, index, configuration, is_sequential })
    } else {
        Err(errors.into_map())
    }
}
