//! The params of a pre-annotation action, as the SDK's `ToTaskParams` names them
//! (`plugins/actions/to_task/action.py`): [`ToTaskParams`], [`ToTaskMethod`], [`TaskSchema`].

use crate::backend::AnnotationSchema;
use serde_json::{Map, Value};

/// Where a task's annotation comes from.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ToTaskMethod {
    /// A file of the task's data unit (`target_specification_name`), read as YOLO, COCO or DM.
    #[default]
    File,
    /// An inference action of the plugin (`pre_processor`), run on the task's primary file.
    Inference,
}

impl ToTaskMethod {
    /// `file` or `inference`, as the params and the per-task events name it.
    pub fn as_str(self) -> &'static str {
        match self {
            ToTaskMethod::File => "file",
            ToTaskMethod::Inference => "inference",
        }
    }
}

/// What annotates each task with `method: inference` (`pre_processor`): an integer is a plugin
/// release, as the SDK's `pre_processor` is; a string names an inference action of this plugin.
///
/// ```
/// use synapse::to_task::PreProcessor;
/// let release: PreProcessor = serde_json::from_value(serde_json::json!(12)).unwrap();
/// let action: PreProcessor = serde_json::from_value(serde_json::json!("infer_boxes")).unwrap();
/// assert_eq!((release, action), (PreProcessor::Release(12), PreProcessor::Action("infer_boxes".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum PreProcessor {
    /// A plugin release's id: each task is inferred by that plugin's serve application (a
    /// running one, found on the backend; else this plugin's `deployment` action is run first,
    /// when the release is this plugin's), with the run's `model` chosen per request.
    Release(u64),
    /// The name of an inference action of this plugin, run in this process on each task.
    Action(String),
}

impl std::fmt::Display for PreProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PreProcessor::Release(id) => write!(f, "plugin release {id}"),
            PreProcessor::Action(name) => write!(f, "action `{name}`"),
        }
    }
}

/// How the backend checks a submitted annotation (the SDK's `schema`, sent as `?schema=`).
#[crate::params(crate = crate)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TaskSchema {
    /// `dm_schema_v1`: the backend checks the annotation as DM v1.
    #[default]
    DmSchemaV1,
    /// `any`: the backend does not check it.
    Any,
}

impl From<TaskSchema> for AnnotationSchema {
    fn from(schema: TaskSchema) -> Self {
        match schema {
            TaskSchema::DmSchemaV1 => AnnotationSchema::DmV1,
            TaskSchema::Any => AnnotationSchema::Any,
        }
    }
}

/// The params of a pre-annotation action: the SDK's `ToTaskParams`, with `concurrency` added.
///
/// Two differences from the SDK: `pre_processor` is a plugin release whose serve application
/// infers (the SDK's meaning) or the name of an inference action of the plugin itself, run in
/// this process ([`PreProcessor`]), and `agent` is optional (it only narrows the serve
/// applications looked up).
///
/// `target_specification_name` is required with `method: file` (the default): without it the
/// params are refused at `$.target_specification_name` before the run.
///
/// ```
/// use synapse::params::Params;
/// use synapse::to_task::{ToTaskMethod, ToTaskParams};
/// let params = ToTaskParams::parse(serde_json::json!({
///     "name": "boxes from labels", "project": 3, "target_specification_name": "label_1",
/// })).unwrap();
/// assert_eq!((params.method, params.in_flight()), (ToTaskMethod::File, 8));
/// // The SDK's window, when no `concurrency` is given:
/// let windowed = ToTaskParams::parse(serde_json::json!({
///     "name": "boxes", "project": 3, "target_specification_name": "label_1", "batch_size": 32,
/// })).unwrap();
/// assert_eq!(windowed.in_flight(), 32);
///
/// let error = ToTaskParams::parse(serde_json::json!({"name": "boxes", "project": 3})).unwrap_err();
/// assert_eq!(error.iter().next().unwrap().path, "$.target_specification_name");
/// ```
#[crate::params(crate = crate)]
#[derive(Debug, Clone)]
#[schemars(
    description = "Annotate a project's tasks from a file of each task's data unit, or with an inference action.",
    extend("if" = {"properties": {"method": {"const": "inference"}}, "required": ["method"]},
           "else" = {"required": ["target_specification_name"]})
)]
pub struct ToTaskParams {
    /// The run's name
    #[param(length(min = 1))]
    pub name: String,
    /// What the run is for
    #[param(default)]
    pub description: Option<String>,
    /// The project whose tasks are annotated
    pub project: u64,
    /// The agent the platform ran the job on (with a plugin release as `pre_processor`: only its serve applications on this agent are used)
    #[param(default)]
    pub agent: Option<u64>,
    /// Filters of the task listing (`GET sdk/tasks/`), besides the project
    #[param(default)]
    pub task_filters: Map<String, Value>,
    /// `file`: from a file of each task's data unit; `inference`: by what `pre_processor` names (a plugin release's serve application, or an inference action of this plugin)
    #[param(default)]
    pub method: ToTaskMethod,
    /// The file specification holding each task's annotation file (`label_1`); required with `method: file`
    #[param(default)]
    pub target_specification_name: Option<String>,
    /// The model to infer with (required with a plugin release as `pre_processor`: its serve application loads it)
    #[param(default)]
    pub model: Option<u64>,
    /// What annotates a task (`method: inference`): a plugin release id, inferred by its serve application, or the name of an inference action of this plugin
    #[param(default)]
    pub pre_processor: Option<PreProcessor>,
    /// Settings of the conversion (`class_names`, `format`) or of the inference action
    #[param(default)]
    pub pre_processor_params: Map<String, Value>,
    /// The SDK's window of tasks annotated together: without `concurrency`, tasks flow `batch_size` at a time (8 when it is 1)
    #[param(default = 1, range(min = 1, max = 256))]
    pub batch_size: u64,
    /// How many tasks are annotated at once (default: `batch_size` when above 1, else 8)
    #[param(default, range(min = 1, max = 256))]
    pub concurrency: Option<u64>,
    /// How the backend checks the annotations: `dm_schema_v1`, or `any` (not checked)
    #[param(default)]
    pub schema: TaskSchema,
}

/// How many tasks are annotated at once when neither `concurrency` nor a `batch_size` above 1 says.
pub const DEFAULT_CONCURRENCY: u64 = 8;

impl ToTaskParams {
    /// How many tasks are annotated at once: `concurrency`, else `batch_size` when above 1 (the
    /// SDK's window of tasks annotated together), else [`DEFAULT_CONCURRENCY`].
    pub fn in_flight(&self) -> usize {
        let count = self.concurrency.unwrap_or(if self.batch_size > 1 { self.batch_size } else { DEFAULT_CONCURRENCY });
        usize::try_from(count).unwrap_or(usize::MAX).max(1)
    }

    /// The class names `pre_processor_params.class_names` gives, in class-id order; `None` when
    /// it gives none.
    ///
    /// # Errors
    /// A message naming the param when `class_names` is not a list of strings.
    pub fn class_names(&self) -> Result<Option<Vec<String>>, String> {
        let Some(given) = self.pre_processor_params.get("class_names") else { return Ok(None) };
        let names = given.as_array().and_then(|names| names.iter().map(|n| n.as_str().map(str::to_owned)).collect());
        match names {
            Some(names) => Ok(Some(names)),
            None => Err(format!("`pre_processor_params.class_names` is not a list of strings: {given}")),
        }
    }

    /// The query pairs of `task_filters` (a list is sent as repeated keys, `null` not at all,
    /// `project` left to the `project` param).
    ///
    /// # Errors
    /// A message naming the filter whose value is an object.
    pub fn filter_pairs(&self) -> Result<Vec<(String, String)>, String> {
        let mut pairs = Vec::new();
        for (key, value) in &self.task_filters {
            if key == "project" {
                continue;
            }
            let values = match value {
                Value::Array(values) => values.iter().collect(),
                other => vec![other],
            };
            for value in values {
                match value {
                    Value::Null => {}
                    Value::String(text) => pairs.push((key.clone(), text.clone())),
                    Value::Bool(_) | Value::Number(_) => pairs.push((key.clone(), value.to_string())),
                    Value::Array(_) | Value::Object(_) => {
                        return Err(format!("task filter `{key}` is {value}: a filter is a string, number or list"));
                    }
                }
            }
        }
        Ok(pairs)
    }
}
