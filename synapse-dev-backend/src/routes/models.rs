//! `models/`: creating a model from a completed chunked upload (the SDK's `ModelCreateRequest`),
//! a model, and the list.

use super::{Shared, created};
use crate::drf::fields::{self, CharField, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::models::{self, Model, NewModel};
use crate::store::uploads;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Map, Value};

/// The keys of the SDK's `ModelCreateRequest` (`extra='forbid'`).
const FIELDS: [&str; 7] = ["name", "plugin", "version", "checkpoint", "chunked_upload", "configuration", "description"];

/// `POST models/`: 201 with the model, or 400 with DRF's field errors.
pub(crate) async fn create(
    State(app): State<Shared>,
    headers: HeaderMap,
    url: RequestUrl,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| Value::Object(Map::new()));
    let request = validate(&body)?;
    let model = app
        .store
        .run(move |connection| {
            let mut errors = FieldErrors::default();
            let upload = uploads::get(connection, &request.upload)?;
            let media_key = match &upload {
                None => {
                    errors.add("chunked_upload", fields::pk_does_not_exist(&request.upload));
                    None
                }
                Some(upload) => match (&upload.media_key, upload.is_complete()) {
                    (Some(key), true) => Some(key.clone()),
                    _ => {
                        errors
                            .add("chunked_upload", format!("Chunked upload \"{}\" is not completed.", request.upload));
                        None
                    }
                },
            };
            if let Some(checkpoint) = request.checkpoint
                && models::get(connection, checkpoint)?.is_none()
            {
                errors.add("checkpoint", fields::pk_does_not_exist(&checkpoint.to_string()));
            }
            let Some(media_key) = media_key.filter(|_| errors.is_empty()) else {
                return Ok(Err(ApiError::fields(errors.into_map())));
            };
            let new = NewModel {
                name: request.name,
                plugin: request.plugin,
                version: request.version,
                checkpoint: request.checkpoint,
                chunked_upload: request.upload,
                configuration: request.configuration,
                description: request.description,
                media_key,
            };
            models::create(connection, &new).map(Ok)
        })
        .await??;
    Ok(created(model.to_json(url.origin())))
}

/// A `POST models/` body, its fields read.
struct Request {
    name: String,
    plugin: Option<String>,
    version: Option<String>,
    checkpoint: Option<i64>,
    /// The chunked upload's id, lowercase.
    upload: String,
    configuration: Value,
    description: Option<String>,
}

/// Reads the body as `ModelCreateRequest` does: `name` required; `plugin`, `version`,
/// `description` strings or null; `checkpoint` a model id; `configuration` an object or null;
/// `chunked_upload` required here (a model is its file); any other key not allowed.
fn validate(body: &Value) -> Result<Request, ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(ApiError::fields(errors.into_map()));
    };
    for key in object.keys().filter(|key| !FIELDS.contains(&key.as_str())) {
        errors.add(key, fields::NOT_ALLOWED);
    }
    let required = CharField { required: true, allow_null: false, allow_blank: false };
    let optional = CharField { required: false, allow_null: true, allow_blank: true };
    let mut text = |field: CharField, name: &str| {
        field.read(object, name).unwrap_or_else(|message| {
            errors.add(name, message);
            None
        })
    };
    let name = text(required, "name");
    let plugin = text(optional, "plugin");
    let version = text(optional, "version");
    let description = text(optional, "description");
    let checkpoint = match object.get("checkpoint") {
        None | Some(Value::Null) => None,
        Some(_) => fields::read_pk(object, "checkpoint").unwrap_or_else(|message| {
            errors.add("checkpoint", message);
            None
        }),
    };
    let upload = match object.get("chunked_upload") {
        None => {
            errors.add("chunked_upload", fields::REQUIRED);
            None
        }
        Some(Value::Null) => {
            errors.add("chunked_upload", fields::NULL);
            None
        }
        Some(Value::String(id)) => Some(id.trim().to_ascii_lowercase()),
        Some(Value::Number(id)) => Some(id.to_string()),
        Some(other) => {
            errors.add("chunked_upload", fields::incorrect_pk_type(other));
            None
        }
    };
    let configuration = match object.get("configuration") {
        None | Some(Value::Null) => Value::Null,
        Some(value @ Value::Object(_)) => value.clone(),
        Some(other) => {
            let message = format!("Expected a dictionary of items but got type \"{}\".", fields::python_type(other));
            errors.add("configuration", message);
            Value::Null
        }
    };
    match (name, upload) {
        (Some(name), Some(upload)) if errors.is_empty() => {
            Ok(Request { name, plugin, version, checkpoint, upload, configuration, description })
        }
        _ => Err(ApiError::fields(errors.into_map())),
    }
}

/// `GET models/{id}/`.
pub(crate) async fn retrieve(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let id = super::path_id(&id)?;
    let model = app.store.run(move |connection| models::get(connection, id)).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(model.to_json(url.origin())))
}

/// `GET models/`: the models by id, a DRF page at a time.
pub(crate) async fn list(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::from_query(url.query())?;
    let (page, found) = request.read(&app.store, models::count, models::list).await?;
    let origin = url.origin().to_owned();
    Ok(Json(page.body(&url, found.iter().map(|model: &Model| model.to_json(&origin)).collect())))
}
