//! Annotation: `GET projects/{id}/`, `GET sdk/tasks/?project=` (paged), `GET tasks/{id}/` (with
//! dynamic fields; `expand=data_unit` shows the data unit with its files), and
//! `PUT tasks/{id}/annotate_task_data/?schema=` (`{"action": "submit", "data": <DM v1>}`).

use super::file_urls::with_urls;
use super::{Shared, path_id};
use crate::drf::dynamic::Shape;
use crate::drf::fields::{self, FieldErrors};
use crate::drf::{ApiError, filters, json_body};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::annotation::{self, Task};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// The `?schema=` values of `annotate_task_data/` (the SDK's `dm_schema_v1 | any`).
pub(crate) const SCHEMAS: [&str; 2] = ["dm_schema_v1", "any"];
/// The `action`s `annotate_task_data/` takes.
pub(crate) const ACTIONS: [&str; 1] = ["submit"];

/// `GET projects/{id}/`: `{id, title, configuration, data_collection, task_count, created}`.
pub(crate) async fn project(State(app): State<Shared>, Path(id): Path<String>) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    app.store.run(move |connection| annotation::project(connection, id)).await?.map(Json).ok_or(ApiError::NotFound)
}

/// `GET sdk/tasks/?project=`: the tasks by id, a DRF page at a time, each with its data unit's
/// `files` at the top level (what the SDK's `list_tasks` converts).
pub(crate) async fn list_tasks(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let query = url.query();
    let request = PageRequest::from_query(query)?;
    let project = filters::integer(query, "project")?;
    let shape = Shape::from_query(query);
    let count = |connection: &Connection, project: &Option<i64>| annotation::count_tasks(connection, *project);
    let list = |connection: &Connection, project: &Option<i64>, limit, offset| {
        annotation::list_tasks(connection, *project, limit, offset)
    };
    let (page, tasks) = request.read_where(&app.store, project, count, list).await?;
    let results = tasks
        .iter()
        .map(|task| {
            let mut object = task_json(task, &shape, url.origin());
            object.insert("files".to_owned(), with_urls(&task.files, url.origin()));
            shape.apply(object)
        })
        .collect();
    Ok(Json(page.body(&url, results)))
}

/// `GET tasks/{id}/?fields=&expand=`.
pub(crate) async fn task(
    State(app): State<Shared>,
    Path(id): Path<String>,
    url: RequestUrl,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let shape = Shape::from_query(url.query());
    let task = app.store.run(move |connection| annotation::task(connection, id)).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(shape.apply(task_json(&task, &shape, url.origin()))))
}

/// A task: `{id, project, data, data_unit, created, modified}`; `data_unit` its id, or with
/// `expand=data_unit` `{id, files: {<spec>: {url, file_type, is_primary, file_name_original}}, meta}`.
fn task_json(task: &Task, shape: &Shape, origin: &str) -> Map<String, Value> {
    let data_unit = if shape.expands("data_unit") {
        json!({ "id": task.data_unit, "files": with_urls(&task.files, origin), "meta": task.meta })
    } else {
        json!(task.data_unit)
    };
    let Value::Object(object) = json!({
        "id": task.id,
        "project": task.project,
        "data": task.data,
        "data_unit": data_unit,
        "created": task.created,
        "modified": task.modified,
    }) else {
        return Map::new();
    };
    object
}

/// `PUT tasks/{id}/annotate_task_data/?schema=`: stores `data` as the task's annotation and
/// answers the task. A missing task is 404 before the body is read; a body or schema that does
/// not fit is 400 with DRF's field errors.
pub(crate) async fn annotate(
    State(app): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    url: RequestUrl,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let id = path_id(&id)?;
    let schema = filters::choice(url.query(), "schema", &SCHEMAS);
    let request = json_body(&headers, &body).map(|body| body.unwrap_or_else(|| json!({})));
    let task = app
        .store
        .run(move |connection| {
            if annotation::task(connection, id)?.is_none() {
                return Ok(Err(ApiError::NotFound));
            }
            let (schema, body) = match schema.and_then(|schema| Ok((schema, request?))) {
                Ok(request) => request,
                Err(error) => return Ok(Err(error)),
            };
            let (action, data) = match validate(&body, schema.as_deref()) {
                Ok(request) => request,
                Err(error) => return Ok(Err(error)),
            };
            Ok(annotation::annotate(connection, id, schema.as_deref(), &action, &data)?.ok_or(ApiError::NotFound))
        })
        .await??;
    Ok(Json(Value::Object(task_json(&task, &Shape::default(), url.origin()))))
}

/// The `action` and `data` of an `annotate_task_data/` body; `data` checked as DM v1 unless the
/// schema is `any`.
fn validate(body: &Value, schema: Option<&str>) -> Result<(String, Value), ApiError> {
    let mut errors = FieldErrors::default();
    let Value::Object(object) = body else {
        errors.add("non_field_errors", fields::expected_dict(body));
        return Err(ApiError::fields(errors.into_map()));
    };
    let action = match object.get("action") {
        None => Err(fields::REQUIRED.to_owned()),
        Some(Value::Null) => Err(fields::NULL.to_owned()),
        Some(Value::String(action)) if ACTIONS.contains(&action.as_str()) => Ok(action.clone()),
        Some(other) => Err(fields::invalid_choice(other)),
    };
    let data = match object.get("data") {
        None => Err(vec![fields::REQUIRED.to_owned()]),
        Some(Value::Null) => Err(vec![fields::NULL.to_owned()]),
        Some(data @ Value::Object(_)) if schema == Some("any") => Ok(data.clone()),
        Some(data @ Value::Object(_)) => dm_v1_problems(data).map(|()| data.clone()),
        Some(other) => {
            Err(vec![format!("Expected a dictionary of items but got type \"{}\".", fields::python_type(other))])
        }
    };
    if let Err(message) = &action {
        errors.add("action", message.clone());
    }
    if let Err(messages) = &data {
        for message in messages {
            errors.add("data", message.clone());
        }
    }
    match (action, data) {
        (Ok(action), Ok(data)) => Ok((action, data)),
        _ => Err(ApiError::fields(errors.into_map())),
    }
}

/// What keeps `data` from being DM v1 (`{annotations: {<media>: [{id, tool, …}]},
/// annotationsData: {<media>: [{id, …}]}, …}`), each problem naming where it is.
fn dm_v1_problems(data: &Value) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut ids: Vec<(String, String)> = Vec::new();
    for (section, needs_tool) in [("annotations", true), ("annotationsData", false)] {
        let Some(media) = data.get(section) else {
            problems.push(format!("`{section}` is required (DM v1)."));
            continue;
        };
        let Some(media) = media.as_object() else {
            problems.push(format!("`{section}` must be an object keyed by media (`image_1`)."));
            continue;
        };
        for (key, items) in media {
            let Some(items) = items.as_array() else {
                problems.push(format!("`{section}.{key}` must be a list."));
                continue;
            };
            for (index, item) in items.iter().enumerate() {
                let at = format!("{section}.{key}[{index}]");
                match item.get("id").and_then(Value::as_str) {
                    Some(id) if !id.is_empty() => {
                        if needs_tool {
                            ids.push((key.clone(), id.to_owned()));
                        } else if !ids.iter().any(|(media, known)| media == key && known == id) {
                            problems.push(format!("`{at}` has id `{id}`, which no annotation of `{key}` has."));
                        }
                    }
                    _ => problems.push(format!("`{at}.id` must be a non-empty string.")),
                }
                if needs_tool && item.get("tool").and_then(Value::as_str).is_none_or(str::is_empty) {
                    problems.push(format!("`{at}.tool` must be a non-empty string."));
                }
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dm_v1_is_checked() {
        let good = json!({"annotations": {"image_1": [{"id": "a1", "tool": "bounding_box"}]},
                          "annotationsData": {"image_1": [{"id": "a1", "coordinate": {}}]}});
        assert!(dm_v1_problems(&good).is_ok());
        let bad = json!({"annotations": {"image_1": [{"id": "a1"}]}, "annotationsData": {"image_1": [{"id": "b2"}]}});
        assert_eq!(
            dm_v1_problems(&bad).err(),
            Some(vec![
                "`annotations.image_1[0].tool` must be a non-empty string.".to_owned(),
                "`annotationsData.image_1[0]` has id `b2`, which no annotation of `image_1` has.".to_owned(),
            ])
        );
        assert!(dm_v1_problems(&json!({"annotations": {}})).is_err());
    }
}
