//! `POST data_units/` (one unit or a list, all created or none), `GET data_units/{id}/`
//! (`?expand=files`) and the v2 `DELETE /v2/data-units/{id}/`.

use super::collections::expands;
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::links::RequestUrl;
use crate::routes::{Shared, created, path_id};
use crate::store::StoreError;
use crate::store::data::units::{self, NewUnit};
use crate::store::data::{self as collections, Spec, files};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use rusqlite::Connection;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// `POST data_units/`: `{data_collection, files: {<spec name>: {checksum, path?}}, meta?,
/// groups?}` or a list of them. 201 with the created unit (a list for a list); 400 with DRF's
/// errors, one object per entry for a list.
pub(crate) async fn create(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let (many, items) = match body {
        Value::Array(items) => (true, items),
        single => (false, vec![single]),
    };
    let mut created_units = app
        .store
        .run(move |connection| {
            let mut units = Vec::with_capacity(items.len());
            let mut errors = Vec::with_capacity(items.len());
            let mut collections = HashMap::new();
            for item in &items {
                match validate(connection, &mut collections, item)? {
                    Ok(unit) => {
                        units.push(unit);
                        errors.push(json!({}));
                    }
                    Err(entry) => errors.push(Value::Object(entry)),
                }
            }
            if units.len() < items.len() {
                let body = if many { Value::Array(errors) } else { errors.swap_remove(0) };
                return Ok(Err(ApiError::Validation(body)));
            }
            let ids = units::insert(connection, &units)?;
            Ok(Ok(ids.into_iter().zip(units).map(|(id, unit)| units::stored(id, unit)).collect::<Vec<_>>()))
        })
        .await??;
    if many || created_units.is_empty() {
        Ok(created(Value::Array(created_units)))
    } else {
        Ok(created(created_units.swap_remove(0)))
    }
}

/// The specifications of each collection a request's units named (`None`: no such collection),
/// read once per request.
type Collections = HashMap<i64, Option<Vec<Spec>>>;

/// The specifications of collection `id`, `None` when there is no such collection.
fn specs_of<'a>(
    connection: &Connection,
    collections: &'a mut Collections,
    id: i64,
) -> Result<Option<&'a Vec<Spec>>, StoreError> {
    if let Entry::Vacant(entry) = collections.entry(id) {
        let specs = if collections::collection_exists(connection, id)? {
            Some(collections::specs(connection, id)?)
        } else {
            None
        };
        entry.insert(specs);
    }
    Ok(collections.get(&id).and_then(Option::as_ref))
}

/// One unit, or its field errors. Other keys are ignored, as DRF's serializers ignore them.
fn validate(
    connection: &Connection,
    collections: &mut Collections,
    item: &Value,
) -> Result<Result<NewUnit, Map<String, Value>>, StoreError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = item else {
        errors.add("non_field_errors", fields::expected_dict(item));
        return Ok(Err(errors.into_map()));
    };
    let (collection, specs) = match fields::read_pk(object, "data_collection") {
        Ok(None) => {
            errors.add("data_collection", fields::REQUIRED);
            (None, None)
        }
        Ok(Some(id)) => match specs_of(connection, collections, id)? {
            Some(specs) => (Some(id), Some(specs)),
            None => {
                errors.add("data_collection", fields::pk_does_not_exist(&id.to_string()));
                (None, None)
            }
        },
        Err(message) => {
            errors.add("data_collection", message);
            (None, None)
        }
    };
    let mut bound = Vec::new();
    match object.get("files") {
        None => errors.add("files", fields::REQUIRED),
        Some(Value::Object(given)) => {
            for (name, file) in given {
                if let Some(specs) = &specs
                    && !specs.iter().any(|spec| spec.name == *name)
                {
                    let id = collection.unwrap_or_default();
                    errors.add("files", format!("{name}: no such file specification in data collection {id}."));
                    continue;
                }
                let checksum =
                    file.get("checksum").and_then(Value::as_str).map(str::trim).filter(|sum| !sum.is_empty());
                let Some(checksum) = checksum else {
                    errors.add("files", format!("{name}: checksum is required."));
                    continue;
                };
                let path = file.get("path").and_then(Value::as_str).map(str::to_owned);
                match files::by_checksum(connection, &checksum.to_ascii_lowercase())? {
                    Some(data_file) => bound.push((name.clone(), data_file.id, path)),
                    None => errors.add("files", format!("{name}: no data file has the checksum {checksum}.")),
                }
            }
            for spec in specs.into_iter().flatten().filter(|spec| spec.is_required) {
                if !given.contains_key(&spec.name) {
                    errors.add("files", format!("{}: this file specification is required.", spec.name));
                }
            }
        }
        Some(other) => errors
            .add("files", format!("Expected a dictionary of items but got type \"{}\".", fields::python_type(other))),
    }
    let meta = match object.get("meta") {
        None | Some(Value::Null) => json!({}),
        Some(meta @ Value::Object(_)) => meta.clone(),
        Some(other) => {
            errors.add(
                "meta",
                format!("Expected a dictionary of items but got type \"{}\".", fields::python_type(other)),
            );
            Value::Null
        }
    };
    let groups = match object.get("groups") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
            names.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        Some(_) => {
            errors.add("groups", "Expected a list of strings.");
            Vec::new()
        }
    };
    match collection {
        Some(data_collection) if errors.is_empty() => Ok(Ok(NewUnit { data_collection, meta, groups, files: bound })),
        _ => Ok(Err(errors.into_map())),
    }
}

/// `GET data_units/{id}/`: `{id, data_collection, meta, groups, files}`, `files` expanded with
/// `?expand=files`.
pub(crate) async fn retrieve(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let expand = expands(url.query(), "files");
    let origin = url.origin().to_owned();
    let unit = app
        .store
        .run(move |connection| units::get(connection, id, expand, &origin))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(unit))
}

/// `DELETE /v2/data-units/{id}/`: 204, the unit and its bindings gone (its data files stay);
/// 404 in the v2 error envelope when there is no such unit.
pub(crate) async fn delete(State(app): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let deleted = match id.parse::<i64>() {
        Ok(number) if number > 0 => app.store.run(move |connection| units::delete(connection, number)).await?,
        _ => false,
    };
    if deleted {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = json!({
        "error": { "code": "NOT_FOUND", "message": format!("Data unit {id} does not exist."), "details": [] },
        "meta": { "request_id": uuid::Uuid::new_v4().to_string() },
    });
    Ok((StatusCode::NOT_FOUND, Json(body)).into_response())
}
