//! Assignments (API v1): a project's assignments, paged — `GET sdk/assignments/?project=` as the
//! SDK's `clients/backend/hitl.py` `list_assignments` calls it and the export's assignment
//! handler reads it (`{id, project, task, data, file, …}`).

use super::{BackendClient, BackendError, DataUnitFile};
use futures_util::Stream;
use serde::Deserialize;
use serde_json::{Map, Value};

/// An assignment (a task handed to a labeler, with what they annotated), as `sdk/assignments/`
/// lists it.
///
/// ```
/// use synapse::backend::Assignment;
/// let assignment: Assignment = serde_json::from_value(serde_json::json!({
///     "id": 5, "project": 2, "task": 9, "data": {"annotations": {}},
///     "file": {"url": "https://files.example/a.png", "file_name_original": "a.png", "is_primary": true},
/// })).unwrap();
/// assert_eq!(assignment.file.unwrap().file_name(), Some("a.png"));
/// ```
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Assignment {
    /// Its id.
    pub id: u64,
    /// Its project's id.
    #[serde(default)]
    pub project: Option<u64>,
    /// The task it is of.
    #[serde(default)]
    pub task: Option<u64>,
    /// What was annotated (DM v1); `null` before anything was.
    #[serde(default)]
    pub data: Value,
    /// The task's primary file (`{url, file_name_original, …}`: the SDK's v1 assignment shape).
    #[serde(default)]
    pub file: Option<DataUnitFile>,
    /// Fields this client does not read, as the backend sent them.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl BackendClient {
    /// Every assignment of `project` matching `filters` (more query pairs), page after page:
    /// `GET sdk/assignments/?project=<id>&…&page_size=100`.
    ///
    /// ```no_run
    /// # async fn demo(client: synapse::backend::BackendClient) -> Result<(), synapse::backend::BackendError> {
    /// use futures_util::TryStreamExt;
    /// let assignments: Vec<_> = client.list_assignments(3, &[]).try_collect().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`BackendClient::list`].
    pub fn list_assignments(
        &self,
        project: u64,
        filters: &[(&str, &str)],
    ) -> impl Stream<Item = Result<Assignment, BackendError>> + Send + use<> {
        let project = project.to_string();
        let mut query = vec![("project", project.as_str())];
        query.extend_from_slice(filters);
        self.list("sdk/assignments/", &query)
    }
}
