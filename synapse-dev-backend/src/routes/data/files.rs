//! `POST data_files/` (a multipart `file`, or JSON `{chunked_upload: id}`),
//! `POST data_files/verify_checksums/` and the dev-only `DELETE data_files/{id}/`.

use super::{base_name, checksum, new_key};
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::links::RequestUrl;
use crate::routes::{Shared, created, path_id};
use crate::store::data::files;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The most checksums one `verify_checksums/` request may carry (the SDK sends batches of 1000).
pub(crate) const MAX_CHECKSUMS: usize = 1000;

/// DRF's `FileField` message when no file came.
const NO_FILE: &str = "No file was submitted.";

/// `POST data_files/`: multipart with a `file` part, stored as media with its SHA-1 and size; or
/// JSON `{chunked_upload: <id>}`, the finished upload's file made a data file. 201 with
/// `{id, file, checksum, size, created_at}`.
pub(crate) async fn create(State(app): State<Shared>, request: Request) -> Result<Response, ApiError> {
    let origin = RequestUrl::new(request.headers(), request.uri(), app.addr).origin().to_owned();
    let media = request.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    let file = if media.trim_start().to_ascii_lowercase().starts_with("multipart/form-data") {
        let multipart =
            Multipart::from_request(request, &app).await.map_err(|error| ApiError::BadRequest(error.body_text()))?;
        from_multipart(&app, multipart).await?
    } else {
        let headers = request.headers().clone();
        // `Bytes` as an extractor keeps to the router's body limit.
        let body = Bytes::from_request(request, &app).await.map_err(|error| ApiError::BadRequest(error.body_text()))?;
        let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
        from_chunked_upload(&app, &body).await?
    };
    Ok(created(file.to_json(&origin)))
}

async fn from_multipart(app: &Shared, mut multipart: Multipart) -> Result<files::DataFile, ApiError> {
    while let Some(field) = multipart.next_field().await.map_err(|error| ApiError::BadRequest(error.body_text()))? {
        if field.name() != Some("file") {
            continue;
        }
        let filename = base_name(field.file_name().unwrap_or("file"));
        let bytes = field.bytes().await.map_err(|error| ApiError::BadRequest(error.body_text()))?;
        if bytes.is_empty() {
            return Err(field_error("file", "The submitted file is empty."));
        }
        // The file and its row in one blocking task.
        let app = app.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let key = new_key(&filename);
            app.media.write_here(&key, &bytes)?;
            let (sum, size) = (checksum(&bytes), bytes.len() as u64);
            let inserted =
                app.store.run_here(|connection| files::insert(connection, &key, &filename, &sum, size, "multipart"));
            inserted.map_err(ApiError::from)
        });
        return stored.await.map_err(|error| ApiError::Internal(format!("storing an uploaded file: {error}")))?;
    }
    Err(field_error("file", NO_FILE))
}

async fn from_chunked_upload(app: &Shared, body: &Value) -> Result<files::DataFile, ApiError> {
    let Value::Object(object) = body else {
        return Err(field_error("non_field_errors", &fields::expected_dict(body)));
    };
    let id = match object.get("chunked_upload") {
        None => return Err(field_error("file", NO_FILE)),
        Some(Value::String(id)) if !id.trim().is_empty() => id.trim().to_owned(),
        Some(Value::Number(id)) => id.to_string(),
        Some(other) => return Err(field_error("chunked_upload", &fields::incorrect_pk_type(other))),
    };
    let lookup = id.clone();
    let upload = app.store.run(move |connection| files::chunked_upload(connection, &lookup)).await?;
    let upload = match upload {
        None => return Err(field_error("chunked_upload", &format!("Chunked upload \"{id}\" does not exist."))),
        Some(None) => return Err(field_error("chunked_upload", &format!("Chunked upload \"{id}\" is not completed."))),
        Some(Some(upload)) => upload,
    };
    let bytes = app.media.read(&upload.path).await?.ok_or_else(|| {
        ApiError::Internal(format!("chunked upload {id}: its file {} is missing from the media", upload.path))
    })?;
    let sum = checksum(&bytes);
    let size = bytes.len() as u64;
    let filename = base_name(&upload.filename);
    Ok(app
        .store
        .run(move |connection| files::insert(connection, &upload.path, &filename, &sum, size, "chunked_upload"))
        .await?)
}

/// A 400 with one message on one field.
pub(crate) fn field_error(field: &str, message: &str) -> ApiError {
    let mut errors = FieldErrors::default();
    errors.add(field, message);
    ApiError::fields(errors.into_map())
}

/// `POST data_files/verify_checksums/` `{checksums: [...]}` (at most 1000): 200
/// `{existing_checksums: [...]}`, those some data file has, in the order asked (what the SDK's
/// `verify_checksums_batch` reads).
pub(crate) async fn verify_checksums(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let checksums = match body.get("checksums") {
        None => return Err(field_error("checksums", fields::REQUIRED)),
        Some(Value::Array(items)) if items.len() > MAX_CHECKSUMS => {
            return Err(field_error(
                "checksums",
                &format!("Ensure this field has no more than {MAX_CHECKSUMS} elements."),
            ));
        }
        Some(Value::Array(items)) => {
            let mut checksums = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                match item {
                    Value::String(text) => checksums.push(text.trim().to_ascii_lowercase()),
                    _ => {
                        let mut errors = FieldErrors::default();
                        errors.set("checksums", json!({ index.to_string(): [fields::NOT_A_STRING] }));
                        return Err(ApiError::fields(errors.into_map()));
                    }
                }
            }
            checksums
        }
        Some(other) => {
            return Err(field_error(
                "checksums",
                &format!("Expected a list of items but got type \"{}\".", fields::python_type(other)),
            ));
        }
    };
    let existing = app.store.run(move |connection| files::existing(connection, &checksums)).await?;
    Ok(Json(json!({ "existing_checksums": existing })))
}

/// `DELETE data_files/{id}/` (dev only: the real v1 API has no such route): 204, the media
/// removed; 404 for no such file; 400 while data units bind it.
pub(crate) async fn delete(State(app): State<Shared>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let id = path_id(&id)?;
    let outcome = app
        .store
        .run(move |connection| {
            let Some(file) = files::get(connection, id)? else { return Ok(Err(ApiError::NotFound)) };
            let units = files::units_using(connection, id)?;
            if !units.is_empty() {
                let units: Vec<String> = units.iter().map(i64::to_string).collect();
                return Ok(Err(ApiError::BadRequest(format!(
                    "Data file {id} is bound to data units {}; delete them first.",
                    units.join(", ")
                ))));
            }
            files::delete(connection, id)?;
            // Another data file may share the media (two made from one chunked upload).
            let shared = files::all(connection)?.iter().any(|other| other.key == file.key);
            Ok(Ok((file.key, shared)))
        })
        .await??;
    let (key, shared) = outcome;
    if !shared {
        app.media.remove(&key).await?;
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
