//! [`Annotator`]: the hooks a pre-annotation action may change (how a task's file or an
//! inference output becomes its annotation, what the inference action is asked, the steps),
//! with what each receives ([`FileInput`], [`InferenceInput`], [`InferenceRequest`]), and
//! [`DefaultAnnotator`], which keeps every default.

use super::{TaskFile, ToTaskParams, ToTaskState, convert};
use crate::backend::{BackendClient, Task};
use crate::error::Result;
use crate::steps::StepRegistry;
use serde_json::{Map, Value};
use std::future::Future;
use std::path::{Path, PathBuf};

/// What converting a task's annotation file receives.
#[derive(Debug)]
#[non_exhaustive]
pub struct FileInput<'a> {
    /// The task, with its data unit.
    pub task: &'a Task,
    /// Its primary file (not downloaded: see [`FileInput::primary_path`]).
    pub primary: &'a TaskFile,
    /// Its file of `target_specification_name`.
    pub label: &'a TaskFile,
    /// Where that file was downloaded.
    pub label_path: &'a Path,
    /// The run's params (`pre_processor_params` carries the conversion's settings).
    pub params: &'a ToTaskParams,
    /// The class names YOLO class ids index (see [`ToTaskState::class_names`]).
    pub class_names: &'a [String],
    pub(super) client: &'a BackendClient,
    pub(super) dir: &'a Path,
}

impl FileInput<'_> {
    /// Downloads the primary file into the task's directory (each call downloads it again); the
    /// path.
    ///
    /// # Errors
    /// As [`BackendClient::download`], naming the file.
    pub async fn primary_path(&self) -> Result<PathBuf> {
        self.primary.download(self.client, self.dir).await
    }

    /// The primary image's `(width, height)` in pixels, from its header (it is downloaded).
    ///
    /// # Errors
    /// A failed download; a file that is not a PNG or JPEG image.
    pub async fn primary_size(&self) -> Result<(u32, u32)> {
        let path = self.primary_path().await?;
        Ok(crate::formats::image_size(&path)?)
    }
}

/// What building an inference action's params receives.
#[derive(Debug)]
#[non_exhaustive]
pub struct InferenceInput<'a> {
    /// The task, with its data unit.
    pub task: &'a Task,
    /// Its primary file.
    pub primary: &'a TaskFile,
    /// Where the primary file was downloaded.
    pub primary_path: &'a Path,
    /// Its other files (not downloaded).
    pub others: &'a [TaskFile],
    /// The run's params (`model`, `pre_processor_params`).
    pub params: &'a ToTaskParams,
}

/// A file of a task, as [`InferenceRequest::files`] lists it.
#[crate::params(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct InferenceFile {
    /// Its specification's name (`label_1`)
    pub specification_name: String,
    /// Its URL
    pub url: String,
    /// Its original name
    #[param(default)]
    pub file_name: Option<String>,
}

/// The params the default [`Annotator::inference_params`] gives an inference action: take it
/// as the inference action's `Params` (`type Params = InferenceRequest;`).
#[crate::params(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct InferenceRequest {
    /// The task annotated
    pub task: u64,
    /// The URL of its primary file
    pub url: String,
    /// Where its primary file was downloaded, on this machine
    pub path: String,
    /// The primary file's original name
    #[param(default)]
    pub file_name: Option<String>,
    /// The task's other files
    #[param(default)]
    pub files: Vec<InferenceFile>,
    /// The model to infer with (the run's `model`)
    #[param(default)]
    pub model: Option<u64>,
    /// The run's `pre_processor_params`
    #[param(default)]
    pub options: Map<String, Value>,
}

impl InferenceRequest {
    /// The request for `input`.
    pub fn of(input: &InferenceInput<'_>) -> Self {
        InferenceRequest {
            task: input.task.id,
            url: input.primary.url.clone(),
            path: input.primary_path.to_string_lossy().into_owned(),
            file_name: input.primary.file_name.clone(),
            files: input
                .others
                .iter()
                .map(|file| InferenceFile {
                    specification_name: file.specification.clone(),
                    url: file.url.clone(),
                    file_name: file.file_name.clone(),
                })
                .collect(),
            model: input.params.model,
            options: input.params.pre_processor_params.clone(),
        }
    }
}

/// The hooks of a pre-annotation run (the SDK's `ToTaskAction` methods), each with a default.
/// An error a hook returns fails its task alone: it is recorded with the task's id.
///
/// ```
/// use synapse::prelude::*;
/// use synapse::to_task::{Annotator, FileInput};
///
/// /// Reads each task's label file as a DM v1 document written by another tool, as it is.
/// #[derive(Clone)]
/// struct AsIs;
///
/// impl Annotator for AsIs {
///     async fn convert_data_from_file(&self, input: FileInput<'_>) -> Result<Value> {
///         Ok(serde_json::from_str(&std::fs::read_to_string(input.label_path)?)?)
///     }
/// }
/// ```
pub trait Annotator: Clone + Send + Sync + 'static {
    /// The annotation (DM v1) of a task from its file of `target_specification_name`. The
    /// default reads it as `pre_processor_params.format` says (`yolo`, `coco`, `dm_v1`,
    /// `dm_v2`), else by its content: a `.txt` file as YOLO (class ids indexing
    /// [`FileInput::class_names`], pixels from the primary image's size), JSON with
    /// `annotationsData` as DM v1, with `categories` as COCO (the image named as the primary
    /// file, or the only one), with `images` as DM v2.
    fn convert_data_from_file(&self, input: FileInput<'_>) -> impl Future<Output = Result<Value>> + Send {
        async move { convert::from_file(&input).await }
    }

    /// The params the inference action receives for a task. The default: an
    /// [`InferenceRequest`].
    ///
    /// # Errors
    /// An error fails the task.
    fn inference_params(&self, input: &InferenceInput<'_>) -> Result<Value> {
        Ok(serde_json::to_value(InferenceRequest::of(input))?)
    }

    /// The annotation (DM v1) of a task from what the inference action returned (never empty:
    /// an empty output fails the task before this). The default takes DM v1 as it is, and DM v2
    /// (`{images: [{bounding_box: […]}]}`, or one image's `{bounding_box: […]}`) converted.
    ///
    /// # Errors
    /// An error fails the task.
    fn convert_data_from_inference(&self, output: Value, task: &Task) -> Result<Value> {
        let _ = task;
        convert::from_predictions(output)
    }

    /// Changes the workflow's steps before the run (`steps.insert_after("fetch_tasks", Check)`,
    /// …). The default keeps them.
    ///
    /// # Errors
    /// A change the registry refuses (an unknown or repeated step name).
    fn steps(&self, steps: &mut StepRegistry<ToTaskState>) -> Result<()> {
        let _ = steps;
        Ok(())
    }
}

/// The annotator with every default: YOLO, COCO and DM files, DM predictions.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultAnnotator;

impl Annotator for DefaultAnnotator {}
