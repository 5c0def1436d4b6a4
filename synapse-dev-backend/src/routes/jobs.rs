//! `jobs/`: the list, a job, its PATCH, and its console logs.

use super::{Shared, path_id};
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, json_body};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::jobs::{self, Job, JobChanges};
use crate::store::logs;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

/// `GET jobs/`: the jobs by id, a DRF page at a time.
pub(crate) async fn list(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let request = PageRequest::from_query(url.query())?;
    let (page, jobs) = request.read(&app.store, jobs::count, jobs::list).await?;
    Ok(Json(page.body(&url, jobs.iter().map(Job::to_json).collect())))
}

/// `GET jobs/{id}/`.
pub(crate) async fn retrieve(State(app): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let job = app.store.run(move |connection| jobs::get(connection, id)).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(job.to_json()))
}

/// `PATCH jobs/{id}/`: any of `status` and the free-form fields; the PATCH is recorded with the
/// change, in one transaction.
pub(crate) async fn update(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    // DRF looks the job up before it reads the body: a missing job is 404 whatever the body.
    let request = json_body(&headers, &body)
        .map(|body| body.unwrap_or_else(|| json!({})))
        .and_then(|body| validate(&body).map(|changes| (changes, body)));
    let job = app
        .store
        .run(move |connection| {
            if !jobs::exists(connection, id)? {
                return Ok(Err(ApiError::NotFound));
            }
            let (changes, body) = match request {
                Ok(request) => request,
                Err(error) => return Ok(Err(error)),
            };
            Ok(jobs::patch(connection, id, &changes, &body)?.ok_or(ApiError::NotFound))
        })
        .await??;
    Ok(Json(job.to_json()))
}

/// The changes of a PATCH body; the SDK's `UpdateJobRequest` is `extra='forbid'`, so any other
/// key is an error.
pub(crate) fn validate(body: &Value) -> Result<JobChanges, ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(ApiError::fields(errors.into_map()));
    };
    let mut changes = JobChanges::default();
    for (key, value) in object {
        if key == "status" {
            match read_status(value) {
                Ok(status) => changes.status = Some(status),
                Err(message) => errors.add("status", message),
            }
        } else if let Some(field) = jobs::JSON_FIELDS.iter().find(|field| *field == key) {
            changes.fields.push((field, value.clone()));
        } else {
            errors.add(key, fields::NOT_ALLOWED);
        }
    }
    if errors.is_empty() { Ok(changes) } else { Err(ApiError::fields(errors.into_map())) }
}

/// A status as the `Job.Status` choices take it: uppercase, one of [`jobs::STATUSES`].
pub(crate) fn read_status(value: &Value) -> Result<String, String> {
    match value {
        Value::Null => Err(fields::NULL.to_owned()),
        Value::String(status) if jobs::STATUSES.contains(&status.as_str()) => Ok(status.clone()),
        other => Err(fields::invalid_choice(other)),
    }
}

/// `GET jobs/{id}/console_logs/`: the entries posted to `logs/` for the job, in order.
pub(crate) async fn console_logs(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: crate::pagination::links::RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let origin = url.origin().to_owned();
    let entries = app
        .store
        .run(
            move |connection| {
                if jobs::exists(connection, id)? { logs::of_job(connection, id, &origin).map(Some) } else { Ok(None) }
            },
        )
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(Value::Array(entries)))
}
