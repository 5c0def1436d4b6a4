//! Assignments: `GET sdk/assignments/?project=` (paged, DRF page numbers), each
//! `{id, project, task, data, file, created}` with `file` its task's primary file as the SDK's
//! export reads it (`{url, file_type, is_primary, file_name_original}`); and
//! `POST /_dev/seed/assignments`, which makes one assignment per task of a project.

use super::file_urls::with_urls;
use super::{Shared, created};
use crate::drf::dynamic::Shape;
use crate::drf::fields::{self, FieldErrors};
use crate::drf::filters::{self, invalid};
use crate::drf::{ApiError, lenient_json_body};
use crate::pagination::PageRequest;
use crate::pagination::links::RequestUrl;
use crate::store::assignments::{self, Assignment};
use crate::store::{Context, annotation};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

/// `GET sdk/assignments/?project=`: the assignments by id, a DRF page at a time.
pub(crate) async fn list(State(app): State<Shared>, url: RequestUrl) -> Result<Json<Value>, ApiError> {
    let query = url.query();
    let request = PageRequest::from_query(query)?;
    let project = filters::integer(query, "project")?;
    let shape = Shape::from_query(query);
    let count = |connection: &Connection, project: &Option<i64>| assignments::count(connection, *project);
    let list = |connection: &Connection, project: &Option<i64>, limit, offset| {
        assignments::list(connection, *project, limit, offset)
    };
    let (page, rows) = request.read_where(&app.store, project, count, list).await?;
    let results = rows.iter().map(|row| shape.apply(assignment_json(row, url.origin()))).collect();
    Ok(Json(page.body(&url, results)))
}

/// An assignment as the API shows it; `file` is the primary file of its task's data unit (the
/// one marked `is_primary`, else the first), `null` when the unit has none.
fn assignment_json(assignment: &Assignment, origin: &str) -> Map<String, Value> {
    let files = with_urls(&assignment.files, origin);
    let file = files.as_object().and_then(|files| {
        files.values().find(|file| file["is_primary"] == json!(true)).or_else(|| files.values().next()).cloned()
    });
    let Value::Object(object) = json!({
        "id": assignment.id,
        "project": assignment.project,
        "task": assignment.task,
        "data": assignment.data,
        "file": file,
        "created": assignment.created,
    }) else {
        return Map::new();
    };
    object
}

/// `POST /_dev/seed/assignments` with `{project, data?: {"<task id>": <DM v1>}}`: one assignment
/// per task of the project, in task order, holding the task's entry of `data`, else the task's
/// own data. 201 `{project, assignments: [{id, task}]}`; 400 on `project` when it has no tasks,
/// on `data` when it names a task of another project.
pub(crate) async fn seed(State(app): State<Shared>, body: Bytes) -> Result<Response, ApiError> {
    let body = lenient_json_body(&body)?.unwrap_or_else(|| json!({}));
    let project = match body.get("project") {
        Some(Value::Number(number)) if number.as_i64().is_some_and(|id| id > 0) => number.as_i64().unwrap_or(0),
        Some(other) => return Err(invalid("project", &format!("A positive integer is required, not {other}."))),
        None => return Err(invalid("project", fields::REQUIRED)),
    };
    let given = match body.get("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(other) => return Err(invalid("data", &fields::expected_dict(other))),
    };
    let answer = app
        .store
        .run(move |connection| {
            let tasks = annotation::list_tasks(connection, Some(project), u64::MAX, 0)?;
            if tasks.is_empty() {
                return Ok(Err(invalid("project", &fields::pk_does_not_exist(&project.to_string()))));
            }
            if let Some(stranger) = given.keys().find(|key| !tasks.iter().any(|task| task.id.to_string() == **key)) {
                let mut errors = FieldErrors::default();
                errors.add(&format!("data.{stranger}"), format!("Task {stranger} is not a task of project {project}."));
                return Ok(Err(ApiError::fields(errors.into_map())));
            }
            let transaction = connection.transaction().what("seeding assignments")?;
            let mut made = Vec::with_capacity(tasks.len());
            for task in &tasks {
                let data = given.get(&task.id.to_string()).unwrap_or(&task.data);
                let id = assignments::create(&transaction, task.id, data)?;
                made.push(json!({ "id": id, "task": task.id }));
            }
            transaction.commit().what("seeding assignments")?;
            Ok(Ok(json!({ "project": project, "assignments": made })))
        })
        .await??;
    Ok(created(answer))
}
