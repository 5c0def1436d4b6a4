//! `/_dev`: what tests and developers do to the backend itself; no credentials needed, nothing
//! counted.
//!
//! - `POST /_dev/jobs` `{status?, meta?}` creates a job (PENDING by default): 201 with the job.
//! - `GET /_dev/state`: `{jobs: [job + patches], logs, requests, unmatched, auth, faults}`.
//! - `POST /_dev/faults` adds a fault ([`crate::faults`]): 201 with it, with its id.
//! - `PUT /_dev/media/{*key}` stores the body as the media file `key`: 201 `{key, url, size}`, the
//!   URL absolute from the request's `Host` (served by `GET /media/{key}`).
//! - `GET /_dev/faults` lists the faults with how often each matched and fired;
//!   `DELETE /_dev/faults` clears them: `{"cleared": <how many>}`.

use super::{Shared, created};
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, lenient_json_body};
use crate::routes::jobs::read_status;
use crate::store::{jobs, logs, requests};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
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
pub(crate) async fn state(State(app): State<Shared>) -> Result<Json<Value>, ApiError> {
    let (jobs, logs, (routes, unmatched), auth) = app
        .store
        .run(|connection| {
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
            Ok((jobs, logs::all(connection)?, requests::counts(connection)?, requests::auth_records(connection)?))
        })
        .await?;
    Ok(Json(json!({
        "jobs": jobs,
        "logs": logs,
        "requests": routes,
        "unmatched": unmatched,
        "auth": auth,
        "faults": app.faults.list(),
    })))
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
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Result<Response, ApiError> {
    app.media.write(&key, &body).await?;
    let origin = crate::pagination::links::RequestUrl::new(&headers, &uri, app.addr);
    Ok(created(json!({ "key": key, "url": crate::media::url(origin.origin(), &key), "size": body.len() })))
}
