//! The `/_dev` routes of ground truth, annotation and plugins: the seeds
//! (`POST /_dev/seed/gt_dataset`, `/_dev/seed/project`, `/_dev/seed/plugin_release`, see
//! [`crate::seed`]) and their part of `GET /_dev/state`.

use super::{Shared, created};
use crate::drf::fields::FieldErrors;
use crate::drf::{ApiError, lenient_json_body};
use crate::pagination::links::RequestUrl;
use crate::seed::{self, request::Invalid};
use crate::store::ground_truth::{self, EventFilter};
use crate::store::{StoreError, annotation, plugins};
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// A seed's body, read as `T`; 400 `{"<json path>": ["<why>"]}` when a field does not fit.
fn read<T: serde::de::DeserializeOwned + seed::request::Check>(body: &Bytes) -> Result<T, ApiError> {
    let body = lenient_json_body(body)?.unwrap_or_else(|| json!({}));
    seed::request::parse(body).map_err(|Invalid { path, reason }| {
        let mut errors = FieldErrors::default();
        errors.add(&path, reason);
        ApiError::fields(errors.into_map())
    })
}

/// `POST /_dev/seed/gt_dataset`: 201 with the truth written ([`seed::gt_dataset`]).
pub(crate) async fn seed_gt_dataset(
    State(app): State<Shared>,
    url: RequestUrl,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = read(&body)?;
    seed::gt_dataset(&app, request, Some(url.origin())).await.map(created)
}

/// `POST /_dev/seed/project`: 201 with the truth written ([`seed::project`]).
pub(crate) async fn seed_project(
    State(app): State<Shared>,
    url: RequestUrl,
    body: Bytes,
) -> Result<Response, ApiError> {
    let request = read(&body)?;
    seed::project(&app, request, Some(url.origin())).await.map(created)
}

/// `POST /_dev/seed/plugin_release`: 201 with the release, its plugin expanded.
pub(crate) async fn seed_plugin_release(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    seed::release(&app, read(&body)?).await.map(created)
}

/// The part of `/_dev/state` these families show: `ground_truth: {versions, events}`,
/// `projects`, `tasks` (each with its `annotations`), `plugin_releases`, `plugin_runs` and
/// `serve_applications`. Files are shown by their media keys.
pub(crate) fn state(connection: &Connection) -> Result<Map<String, Value>, StoreError> {
    let events: Vec<Value> = ground_truth::list_events(connection, &EventFilter::default(), u64::MAX, 0)?
        .into_iter()
        .map(|event| {
            json!({
                "id": event.id, "version": event.version, "category": event.category,
                "files": event.files, "data": event.data, "created": event.created,
            })
        })
        .collect();
    let tasks: Vec<Value> = annotation::list_tasks(connection, None, u64::MAX, 0)?
        .into_iter()
        .map(|task| {
            Ok(json!({
                "id": task.id, "project": task.project, "data_unit": task.data_unit, "files": task.files,
                "data": task.data, "annotations": annotation::annotations(connection, task.id)?,
            }))
        })
        .collect::<Result<_, StoreError>>()?;
    let serve = plugins::list_serve_applications(connection, &plugins::ServeFilter::default(), u64::MAX, 0)?;
    let Value::Object(state) = json!({
        "ground_truth": { "versions": ground_truth::versions(connection)?, "events": events },
        "projects": annotation::projects(connection)?,
        "tasks": tasks,
        "assignments": crate::store::assignments::state(connection)?,
        "plugin_releases": plugins::releases(connection)?,
        "plugin_runs": plugins::runs(connection)?,
        "serve_applications": serve,
    }) else {
        return Ok(Map::new());
    };
    Ok(state)
}
