//! The params of an export action, as the SDK's `ExportParams` names them
//! (`plugins/actions/export/models.py`): [`ExportParams`], [`ExportTarget`], and the rule of
//! which `filter` key each target needs, published in the schema so that a run without it is
//! refused before it starts.

use serde_json::{Map, Value, json};

/// What an export reads: the SDK's `target`.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportTarget {
    /// A project's assignments (`GET sdk/assignments/?project=`); `filter.project` is required.
    Assignment,
    /// A ground-truth dataset version's events (`GET sdk/ground_truth_events/`);
    /// `filter.ground_truth_dataset_version` is required.
    GroundTruth,
    /// A project's tasks (`GET sdk/tasks/?project=`); `filter.project` is required.
    Task,
}

impl ExportTarget {
    /// Every target, in the order the schema lists them.
    pub const ALL: [ExportTarget; 3] = [ExportTarget::Assignment, ExportTarget::GroundTruth, ExportTarget::Task];

    /// Its name on the wire (`assignment`, `ground_truth`, `task`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportTarget::Assignment => "assignment",
            ExportTarget::GroundTruth => "ground_truth",
            ExportTarget::Task => "task",
        }
    }

    /// The `filter` key this target cannot do without: `project` for assignments and tasks,
    /// `ground_truth_dataset_version` for ground truth (the SDK's handlers' `validate_filter`).
    pub fn required_filter(self) -> &'static str {
        match self {
            ExportTarget::Assignment | ExportTarget::Task => "project",
            ExportTarget::GroundTruth => "ground_truth_dataset_version",
        }
    }

    /// What the required key is, for the violation of a filter without it.
    fn required_because(self) -> &'static str {
        match self {
            ExportTarget::Assignment => {
                "is required when `target` is `assignment`: the project whose assignments are exported"
            }
            ExportTarget::GroundTruth => {
                "is required when `target` is `ground_truth`: the ground-truth dataset version whose events are exported"
            }
            ExportTarget::Task => "is required when `target` is `task`: the project whose tasks are exported",
        }
    }
}

impl std::fmt::Display for ExportTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The params of an export action: the SDK's `ExportParams` (without its deprecated
/// `async_job_size_threshold` and the delegation switch: this export always runs in process).
///
/// The filter's required key is checked with the rest of the params, before the run, at
/// `$.filter.<key>`, naming the target:
///
/// ```
/// use synapse::export::{ExportParams, ExportTarget};
/// use synapse::params::Params;
/// let params = ExportParams::parse(serde_json::json!({
///     "name": "gt", "storage": 1, "path": "exports", "target": "ground_truth",
///     "filter": {"ground_truth_dataset_version": 7},
/// })).unwrap();
/// assert_eq!((params.target, params.save_original_file), (ExportTarget::GroundTruth, true));
///
/// let error = ExportParams::parse(serde_json::json!({
///     "name": "tasks", "storage": 1, "path": "exports", "target": "task", "filter": {},
/// })).unwrap_err();
/// let violation = error.at("$.filter.project").unwrap();
/// assert!(violation.message.contains("`target` is `task`"), "{}", violation.message);
/// ```
#[crate::params(crate = crate)]
#[derive(Debug, Clone)]
#[schemars(
    description = "Export a project's assignments or tasks, or a ground-truth dataset version, into a storage.",
    transform = filter_rules
)]
pub struct ExportParams {
    /// The export's name: its directory is `<path>/<name>-<run id>/`
    #[param(pattern = r"\S")]
    pub name: String,
    /// What the export is for
    #[param(default)]
    pub description: Option<String>,
    /// The storage to write to (its id on the backend)
    pub storage: u64,
    /// Whether each item's original file is saved beside its annotation (`origin_files/`)
    #[param(default = true)]
    pub save_original_file: bool,
    /// The directory in the storage the export directory is made in (`""` or `/`: its root)
    pub path: String,
    /// What to export: `assignment`, `ground_truth` or `task`
    pub target: ExportTarget,
    /// Which items: `project` for assignments and tasks, `ground_truth_dataset_version` (and `category`) for ground truth; other keys are passed to the listing
    pub filter: Map<String, Value>,
    /// More settings, handed to the exporter as they are
    #[param(default)]
    pub extra_params: Option<Map<String, Value>>,
}

impl ExportParams {
    /// Params exporting ground-truth dataset `version` as `name` into `path` of `storage`, the
    /// others at their defaults.
    pub fn ground_truth(name: impl Into<String>, storage: u64, path: impl Into<String>, version: u64) -> Self {
        let mut filter = Map::new();
        filter.insert("ground_truth_dataset_version".to_owned(), json!(version));
        ExportParams {
            name: name.into(),
            description: None,
            storage,
            save_original_file: true,
            path: path.into(),
            target: ExportTarget::GroundTruth,
            filter,
            extra_params: None,
        }
    }
}

/// Adds to the schema, per target, the `filter` key it requires (`if target is … then filter
/// requires …`), each with the message its violation gives (`errorMessage`, the ajv-errors
/// convention the params' violations read).
fn filter_rules(schema: &mut schemars::Schema) {
    let rules: Vec<Value> = ExportTarget::ALL
        .iter()
        .map(|target| {
            let key = target.required_filter();
            json!({
                "if": {"properties": {"target": {"const": target.as_str()}}, "required": ["target"]},
                "then": {"properties": {"filter": {
                    "required": [key],
                    "errorMessage": {"required": {key: target.required_because()}},
                }}},
            })
        })
        .collect();
    schema.insert("allOf".to_owned(), Value::Array(rules));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    fn base(target: &str, filter: Value) -> Value {
        json!({"name": "x", "storage": 1, "path": "out", "target": target, "filter": filter})
    }

    #[test]
    fn each_target_requires_its_filter_key_and_says_why() {
        for (target, key) in
            [("assignment", "project"), ("task", "project"), ("ground_truth", "ground_truth_dataset_version")]
        {
            let error = ExportParams::parse(base(target, json!({"other": 1}))).unwrap_err();
            let paths: Vec<&str> = error.iter().map(|v| v.path.as_str()).collect();
            assert_eq!(paths, [format!("$.filter.{key}")], "{target}");
            let violation = error.iter().next().unwrap();
            assert_eq!(violation.constraint, "required");
            assert!(violation.message.contains(&format!("`{target}`")), "{}", violation.message);
            assert!(ExportParams::parse(base(target, json!({key: 3}))).is_ok(), "{target}");
        }
    }

    #[test]
    fn a_blank_name_and_an_unknown_target_are_refused() {
        let mut value = base("task", json!({"project": 1}));
        value["name"] = json!("  ");
        let error = ExportParams::parse(value.clone()).unwrap_err();
        assert_eq!(error.iter().map(|v| v.path.as_str()).collect::<Vec<_>>(), ["$.name"]);
        value["name"] = json!("n");
        value["target"] = json!("everything");
        assert!(ExportParams::parse(value).unwrap_err().at("$.target").is_some());
    }
}
