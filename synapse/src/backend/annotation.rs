//! Annotation (API v1): projects and their class schema (`GET projects/{id}/`), tasks
//! (`GET sdk/tasks/?project=`, paged; `GET tasks/{id}/` with its data unit's files), and
//! submitting a task's annotation (`PUT tasks/{id}/annotate_task_data/`), as the SDK's
//! `clients/backend/annotation.py` and to_task's `steps/annotate_task_data.py` call them.

use super::{BackendClient, BackendError, DataUnit, DataUnitFile};
use futures_util::Stream;
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// A project, as `GET projects/{id}/` returns it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Project {
    /// Its id.
    pub id: u64,
    /// Its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Its configuration, as the backend keeps it; [`Project::classes`] reads its class schema.
    #[serde(default)]
    pub configuration: Value,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A class of a project's schema: an entry of
/// `configuration.classification.<tool>.classification_schema`.
#[derive(Clone, Debug, PartialEq)]
pub struct ProjectClass {
    /// The annotation tool it is for (`bounding_box`, `polygon`, …).
    pub tool: String,
    /// Its code: the name annotations carry (`classification.class`).
    pub code: String,
    /// Its display name.
    pub name: Option<String>,
    /// The entry as the backend keeps it.
    pub entry: Value,
}

impl Project {
    /// The project's classes, tools in configuration order, each tool's classes in schema order
    /// (as the SDK's `utils/converters/dm/classes.py` reads them). A project without a
    /// classification has none.
    ///
    /// ```
    /// use synapse::backend::Project;
    /// let project: Project = serde_json::from_value(serde_json::json!({"id": 3, "configuration":
    ///     {"classification": {"bounding_box": {"classification_schema": [{"code": "car", "name": "Car"}]}}}})).unwrap();
    /// let classes = project.classes().unwrap();
    /// assert_eq!((classes[0].tool.as_str(), classes[0].code.as_str()), ("bounding_box", "car"));
    /// ```
    ///
    /// # Errors
    /// [`BackendError::Decode`] naming the project's path and the entry (e.g.
    /// `configuration.classification.bounding_box.classification_schema[1]`) when an entry has no
    /// string `code`, or a schema is not a list.
    pub fn classes(&self) -> Result<Vec<ProjectClass>, BackendError> {
        let wrong = |place: String, what: &str| BackendError::Decode {
            method: "GET".to_owned(),
            path: format!("projects/{}/", self.id),
            reason: format!("`configuration.classification.{place}` {what}"),
        };
        let mut classes = Vec::new();
        let Some(tools) = self.configuration.get("classification").and_then(Value::as_object) else {
            return Ok(classes);
        };
        for (tool, config) in tools {
            let Some(schema) = config.get("classification_schema") else { continue };
            let Some(entries) = schema.as_array() else {
                return Err(wrong(format!("{tool}.classification_schema"), "is not a list"));
            };
            for (index, entry) in entries.iter().enumerate() {
                let Some(code) = entry.get("code").and_then(Value::as_str) else {
                    return Err(wrong(format!("{tool}.classification_schema[{index}]"), "has no string `code`"));
                };
                classes.push(ProjectClass {
                    tool: tool.clone(),
                    code: code.to_owned(),
                    name: entry.get("name").and_then(Value::as_str).map(str::to_owned),
                    entry: entry.clone(),
                });
            }
        }
        Ok(classes)
    }
}

/// A task's `data_unit`: its id, or the unit itself when expanded.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum DataUnitRef {
    /// The unit's id.
    Id(u64),
    /// The unit.
    Expanded(DataUnit),
}

/// A task, as `GET tasks/{id}/` and `sdk/tasks/` return it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Task {
    /// Its id.
    pub id: u64,
    /// Its project's id (absent when `fields=` left it out).
    #[serde(default)]
    pub project: Option<u64>,
    /// Its data: its annotation (DM v1) once submitted.
    #[serde(default)]
    pub data: Value,
    /// Its data unit.
    #[serde(default)]
    pub data_unit: Option<DataUnitRef>,
    /// The data unit's files, where a listing shows them at the top level (`sdk/tasks/`).
    #[serde(default)]
    pub files: Option<BTreeMap<String, DataUnitFile>>,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Task {
    /// Its data unit's files: the expanded unit's, else the listing's.
    pub fn unit_files(&self) -> Option<&BTreeMap<String, DataUnitFile>> {
        match &self.data_unit {
            Some(DataUnitRef::Expanded(unit)) => Some(&unit.files),
            _ => self.files.as_ref(),
        }
    }
}

/// How the backend checks a submitted annotation (`?schema=`, the SDK's SYN-7340 selector).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnnotationSchema {
    /// `dm_schema_v1`: checked as DM v1.
    DmV1,
    /// `any`: not checked.
    Any,
}

impl AnnotationSchema {
    /// The query value.
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationSchema::DmV1 => "dm_schema_v1",
            AnnotationSchema::Any => "any",
        }
    }
}

impl BackendClient {
    /// `GET projects/{id}/`.
    ///
    /// # Errors
    /// As [`BackendError`]; a missing project is a 404 naming its path.
    pub async fn get_project(&self, id: u64) -> Result<Project, BackendError> {
        self.get(&format!("projects/{id}/"), &[]).await
    }

    /// Every task of `project` matching `filters` (more query pairs, e.g. `("status", "…")`),
    /// page after page: `GET sdk/tasks/?project=<id>&…&page_size=100`.
    ///
    /// # Errors
    /// As [`BackendClient::list`].
    pub fn list_tasks(
        &self,
        project: u64,
        filters: &[(&str, &str)],
    ) -> impl Stream<Item = Result<Task, BackendError>> + Send + use<> {
        let project = project.to_string();
        let mut query = vec![("project", project.as_str())];
        query.extend_from_slice(filters);
        self.list("sdk/tasks/", &query)
    }

    /// `GET tasks/{id}/?fields=id,data,data_unit&expand=data_unit`: the task with its data
    /// unit's files (to_task's query).
    ///
    /// # Errors
    /// As [`BackendError`]; a missing task is a 404 naming its path.
    pub async fn get_task(&self, id: u64) -> Result<Task, BackendError> {
        self.get(&format!("tasks/{id}/"), &[("fields", "id,data,data_unit"), ("expand", "data_unit")]).await
    }

    /// `PUT tasks/{id}/annotate_task_data/?schema=<schema>` with `{"action": "submit", "data":
    /// data}` (to_task's body): submits `data` (DM v1, unless `schema` is
    /// [`AnnotationSchema::Any`]) as the task's annotation; the task after it. A PUT sets the
    /// same annotation however often it is sent, so it is retried like a GET.
    ///
    /// # Errors
    /// As [`BackendError`]; a 400 carries the backend's field errors (`data: …`).
    pub async fn annotate_task(&self, id: u64, data: &Value, schema: AnnotationSchema) -> Result<Task, BackendError> {
        let url = self.url(&format!("tasks/{id}/annotate_task_data/"), &[("schema", schema.as_str())])?;
        self.call(Method::PUT, url, Some(&json!({ "action": "submit", "data": data }))).await
    }
}
