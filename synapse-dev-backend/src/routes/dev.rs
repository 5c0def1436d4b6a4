//! `/_dev`: what tests and developers do to the backend itself; no credentials needed, nothing
//! counted.
//!
//! - `POST /_dev/jobs` `{status?, meta?}` creates a job (PENDING by default): 201 with the job.
//! - `GET /_dev/state`: `{jobs: [job + patches], logs, data_collections, data_files: [{id, key,
//!   filename, checksum, size, origin}], data_units, requests, unmatched, auth, faults,
//!   chunked_uploads, models}` and the platform's (`routes::dev_platform`).
//! - `/_dev/state` also lists the storage sessions issued (`storage_sessions: [{id, storage,
//!   purpose, issued, expires_at}]`, [`crate::store::storage_sessions`]).
//! - `POST /_dev/data_collections` seeds a data collection (`routes::data::collections`).
//! - `POST /_dev/faults` adds a fault ([`crate::faults`]): 201 with it, with its id.
//! - `PUT /_dev/media/{*key}` stores the body as the media file `key`: 201 `{key, url, size}`, the
//!   URL absolute from the request's `Host` (served by `GET /media/{key}`).
//! - `POST /_dev/seed/gt_dataset`, `/_dev/seed/project`, `/_dev/seed/plugin_release` seed data
//!   ([`super::dev_platform`]); `/_dev/state` shows it too.
//! - `GET /_dev/faults` lists the faults with how often each matched and fired;
//!   `DELETE /_dev/faults` clears them: `{"cleared": <how many>}`.

use super::{Shared, created};
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, lenient_json_body};
use crate::pagination::links::RequestUrl;
use crate::routes::jobs::read_status;
use crate::store::{data, jobs, logs, models, uploads};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Value, json};

/// `POST /_dev/jobs`.
pub(crate) async fn create_job(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body = lenient_json_body(&body)?.unwrap_or_else(|| json!({}));
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(&body));
        return Err(ApiError::fields(errors.into_map()));
    };
    let mut status = jobs::STATUSES[0].to_owned();
    let mut meta = None;
    for (key, value) in object {
        match key.as_str() {
            "status" => match read_status(&value) {
                Ok(given) => status = given,
                Err(message) => errors.add("status", message),
            },
            "meta" => meta = Some(value),
            _ => errors.add(&key, fields::NOT_ALLOWED),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::fields(errors.into_map()));
    }
    let job = app.store.run(move |connection| jobs::create(connection, &status, meta)).await?;
    Ok(created(job.to_json()))
}

/// `GET /_dev/state`.
pub(crate) async fn state(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let origin = url.origin().to_owned();
    let ((jobs, logs), (collections, files, units), platform, (chunked_uploads, models)) = app
        .store
        .run(move |connection| {
            let mut patches = jobs::patches(connection)?;
            let jobs: Vec<Value> = jobs::all(connection)?
                .iter()
                .map(|job| {
                    let mut shown = job.to_json();
                    if let Value::Object(object) = &mut shown {
                        object
                            .insert("patches".to_owned(), Value::Array(patches.remove(&job.id()).unwrap_or_default()));
                    }
                    shown
                })
                .collect();
            let data = (
                data::all_collections(connection)?,
                data::files::all(connection)?.iter().map(data::files::DataFile::to_state).collect::<Vec<_>>(),
                data::units::all(connection)?,
            );
            let platform = super::dev_platform::state(connection)?;
            let uploaded = (uploads::state(connection)?, models::state(connection)?);
            Ok(((jobs, logs::all(connection, &origin)?), data, platform, uploaded))
        })
        .await?;
    let (routes, unmatched) = app.store.requests().counts();
    let auth = app.store.requests().auth_records();
    let mut state = json!({
        "jobs": jobs,
        "logs": logs,
        "data_collections": collections,
        "data_files": files,
        "data_units": units,
        "requests": routes,
        "unmatched": unmatched,
        "auth": auth,
        "faults": app.faults.list(),
        "chunked_uploads": chunked_uploads,
        "models": models,
    });
    let sessions = app.store.run(|connection| crate::store::storage_sessions::all(connection)).await?;
    if let Value::Object(state) = &mut state {
        state.extend(platform);
        state.insert("storage_sessions".to_owned(), Value::Array(sessions));
    }
    Ok(Json(state))
}

/// `POST /_dev/faults`.
pub(crate) async fn add_fault(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body = lenient_json_body(&body)?.unwrap_or_else(|| json!({}));
    app.faults.add(&body).map(created).map_err(ApiError::fields)
}

/// `GET /_dev/faults`.
pub(crate) async fn list_faults(State(app): State<Shared>) -> Json<Value> {
    Json(Value::Array(app.faults.list()))
}

/// `DELETE /_dev/faults`.
pub(crate) async fn clear_faults(State(app): State<Shared>) -> Json<Value> {
    Json(json!({ "cleared": app.faults.clear() }))
}

/// `PUT /_dev/media/{*key}`.
pub(crate) async fn put_media(
    State(app): State<Shared>,
    Path(key): Path<String>,
    url: RequestUrl,
    body: Bytes,
) -> Result<Response, ApiError> {
    app.media.write(&key, &body).await?;
    Ok(created(json!({ "key": key, "url": crate::media::url(url.origin(), &key), "size": body.len() })))
}
