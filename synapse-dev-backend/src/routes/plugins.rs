//! Plugins and serve: `GET plugin_releases/{id}/?expand=plugin`, `POST plugins/{code}/run/`
//! (each run a new job), `POST serve_applications/` and `GET serve_applications/?plugin_code=&job__agent=`.

use super::{Shared, created, path_id};
use crate::drf::dynamic::Shape;
use crate::drf::fields::{self, CharField, FieldErrors};
use crate::drf::{ApiError, filters, json_body};
use crate::media;
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::plugins::{self, NewServeApplication, ServeFilter};
use crate::store::{Context, StoreError, jobs};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// The keys of a run request: the SDK's `PluginRunRequest` (`extra='forbid'`).
const RUN_KEYS: [&str; 8] = ["agent", "action", "params", "storage_id", "job_id", "debug", "version", "language"];

/// A serve application's statuses: Ray Serve's application statuses and `UNAVAILABLE`.
pub(crate) const SERVE_STATUSES: [&str; 7] =
    ["NOT_STARTED", "DEPLOYING", "DEPLOY_FAILED", "RUNNING", "UNHEALTHY", "DELETING", "UNAVAILABLE"];

/// `GET plugin_releases/{id}/`: `{id, plugin, version, config, requirements, debug, created,
/// file}`, `plugin` expanded to `{id, code, name}` with `?expand=plugin`, `file` the URL of a
/// published release's package (null for a seeded one).
pub(crate) async fn release(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let expand = Shape::from_query(uri.query()).expands("plugin");
    let release = app.store.run(move |connection| plugins::release(connection, id, expand)).await?;
    release.map(|release| Json(with_file_url(release, url.origin()))).ok_or(ApiError::NotFound)
}

/// `release` with its `file` (a media key) as the URL it is served at from `origin`.
pub(crate) fn with_file_url(mut release: Value, origin: &str) -> Value {
    if let Some(key) = release["file"].as_str().map(str::to_owned) {
        release["file"] = Value::from(media::url(origin, &key));
    }
    release
}

/// `POST plugins/{code}/run/`: a new PENDING job whose `meta.plugin_run` is the request (with
/// the plugin's code); 201 `{"job_id": <id>}`. 404 for a plugin without releases.
pub(crate) async fn run(
    State(app): State<Shared>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&headers, &body).map(|body| body.unwrap_or_else(|| json!({})));
    let job = app
        .store
        .run(move |connection| {
            if plugins::plugin_by_code(connection, &code)?.is_none() {
                return Ok(Err(ApiError::NotFound));
            }
            let body = match body.and_then(|body| validate_run(&body).map(|()| body)) {
                Ok(body) => body,
                Err(error) => return Ok(Err(error)),
            };
            if let Some(version) = body.get("version").and_then(Value::as_str)
                && !plugins::has_release(connection, &code, version)?
            {
                return Ok(Err(filters::invalid("version", &format!("Plugin `{code}` has no release `{version}`."))));
            }
            let mut request = body.as_object().cloned().unwrap_or_default();
            request.insert("plugin".to_owned(), Value::String(code.clone()));
            let transaction = connection.transaction().what("recording a plugin run")?;
            let job = jobs::create(&transaction, jobs::STATUSES[0], Some(json!({ "plugin_run": request })))?;
            plugins::record_run(&transaction, &code, job.id(), &body)?;
            transaction.commit().what("recording a plugin run")?;
            Ok(Ok(job.id()))
        })
        .await??;
    Ok(created(json!({ "job_id": job })))
}

/// Checks a run request against `PluginRunRequest`.
fn validate_run(body: &Value) -> Result<(), ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(ApiError::fields(errors.into_map()));
    };
    for key in object.keys().filter(|key| !RUN_KEYS.contains(&key.as_str())) {
        errors.add(key, fields::NOT_ALLOWED);
    }
    let required = CharField { required: true, allow_null: false, allow_blank: false };
    let optional = CharField { required: false, allow_null: true, allow_blank: false };
    if let Err(message) = required.read(object, "action") {
        errors.add("action", message);
    }
    for name in ["version", "language"] {
        if let Err(message) = optional.read(object, name) {
            errors.add(name, message);
        }
    }
    for name in ["agent", "storage_id", "job_id"] {
        if !matches!(object.get(name), None | Some(Value::Null)) && fields::read_pk(object, name).is_err() {
            errors.add(name, "A valid integer is required.");
        }
    }
    if !matches!(object.get("params"), None | Some(Value::Null) | Some(Value::Object(_))) {
        errors.add("params", "Expected a dictionary of items.");
    }
    if !matches!(object.get("debug"), None | Some(Value::Null) | Some(Value::Bool(_))) {
        errors.add("debug", "Must be a valid boolean.");
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::fields(errors.into_map())) }
}

/// `POST serve_applications/` `{job, status?, data?}` (the SDK's `ServeApplicationCreateRequest`,
/// `extra='forbid'`): 201 with `{id, job, status, data, plugin_code, agent, created, modified}`,
/// the plugin code and agent those of the run that made the job.
pub(crate) async fn create_serve_application(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&headers, &body)?.unwrap_or_else(|| json!({}));
    let application = app
        .store
        .run(move |connection| {
            let (job, status, data) = match validate_serve(connection, &body)? {
                Ok(request) => request,
                Err(error) => return Ok(Err(error)),
            };
            let (plugin_code, agent) =
                plugins::run_of_job(connection, job)?.map_or((None, None), |(code, agent)| (Some(code), agent));
            let new = NewServeApplication { job, status, data, plugin_code, agent };
            Ok(Ok(plugins::create_serve_application(connection, &new)?))
        })
        .await??;
    Ok(created(application))
}

/// The job, status and data of a serve application request, or DRF's field errors (a job that
/// does not exist among them).
fn validate_serve(connection: &Connection, body: &Value) -> Result<Result<(i64, String, Value), ApiError>, StoreError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Ok(Err(ApiError::fields(errors.into_map())));
    };
    for key in object.keys().filter(|key| !["job", "status", "data"].contains(&key.as_str())) {
        errors.add(key, fields::NOT_ALLOWED);
    }
    let job = match fields::read_pk(object, "job") {
        Ok(Some(job)) if jobs::exists(connection, job)? => Some(job),
        Ok(Some(job)) => {
            errors.add("job", fields::pk_does_not_exist(&job.to_string()));
            None
        }
        Ok(None) => {
            errors.add("job", fields::REQUIRED);
            None
        }
        Err(message) => {
            errors.add("job", message);
            None
        }
    };
    let status = match object.get("status") {
        None | Some(Value::Null) => Some(SERVE_STATUSES[0].to_owned()),
        Some(Value::String(status)) if SERVE_STATUSES.contains(&status.as_str()) => Some(status.clone()),
        Some(other) => {
            errors.add("status", fields::invalid_choice(other));
            None
        }
    };
    let data = match object.get("data") {
        None | Some(Value::Null) => Some(Value::Object(Map::new())),
        Some(data @ Value::Object(_)) => Some(data.clone()),
        Some(_) => {
            errors.add("data", "Expected a dictionary of items.");
            None
        }
    };
    Ok(match (job, status, data) {
        (Some(job), Some(status), Some(data)) if errors.is_empty() => Ok((job, status, data)),
        _ => Err(ApiError::fields(errors.into_map())),
    })
}

/// `GET serve_applications/?plugin_code=&job__agent=`: by id, a DRF page at a time.
pub(crate) async fn list_serve_applications(
    State(app): State<Shared>,
    url: RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let query = url.query();
    let request = PageRequest::from_query(query)?;
    let filter = ServeFilter {
        id: None,
        plugin_code: filters::values(query, "plugin_code").pop(),
        agent: filters::integer(query, "job__agent")?,
    };
    let (count, list) = (plugins::count_serve_applications, plugins::list_serve_applications);
    let (page, applications) = request.read_where(&app.store, filter, count, list).await?;
    Ok(Json(page.body(&url, applications)))
}
