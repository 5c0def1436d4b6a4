//! What the train workflow's steps share ([`TrainState`]), what the author's `train` receives
//! ([`TrainRun`]) and returns ([`TrainedModel`]), and the action's result ([`TrainResult`]).

use super::{Checkpoint, TrainBase, TrainError, TrainParams};
use crate::backend::Model;
use crate::context::Context;
use crate::dataset::DatasetResult;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The state the train workflow's steps share: the params, and what each step produced. A step
/// an author inserts works on it too (`impl Step<TrainState<MyParams>> for MyStep`).
#[derive(Debug)]
pub struct TrainState<P> {
    /// The params.
    pub params: TrainParams<P>,
    /// The format `train` reads (`TrainAction::TARGET_FORMAT`); `None`: DM v2 as downloaded.
    pub target_format: Option<&'static str>,
    /// The run's own directory: `<temp>/synapse-train/<run id>/` (its `model/` and the archive,
    /// removed once uploaded). The directories of runs older than [`WORK_DIR_LIFETIME`] are
    /// removed when a train run starts.
    pub work_dir: PathBuf,
    /// The dataset as the `dataset` and `convert` steps left it.
    pub dataset: Option<DatasetResult>,
    /// What `train` opens: the converted data's config file (`dataset.yaml`) or directory.
    pub data_path: Option<PathBuf>,
    /// The checkpoint `train` started from.
    pub checkpoint: Option<Checkpoint>,
    /// The directory `train` writes the model to (`<work_dir>/model`), zipped and uploaded by
    /// `model_upload`; kept after the run, for [`WORK_DIR_LIFETIME`] after its last change.
    pub model_dir: PathBuf,
    /// What `train` returned.
    pub trained: Option<TrainedModel>,
    /// The model `model_upload` registered.
    pub model: Option<Model>,
}

impl<P> TrainState<P> {
    /// The state a run of `ctx` starts from.
    ///
    /// # Errors
    /// [`TrainError::Io`] when the work directory cannot be made.
    pub fn new(params: TrainParams<P>, target_format: Option<&'static str>, ctx: &Context) -> Result<Self, TrainError> {
        let runs = std::env::temp_dir().join("synapse-train");
        remove_stale(&runs);
        let work_dir = runs.join(ctx.run_id().as_str());
        let model_dir = work_dir.join("model");
        std::fs::create_dir_all(&model_dir).map_err(|error| TrainError::Io {
            path: model_dir.clone(),
            reason: format!("cannot be created: {error}"),
        })?;
        Ok(TrainState {
            params,
            target_format,
            work_dir,
            dataset: None,
            data_path: None,
            checkpoint: None,
            model_dir,
            trained: None,
            model: None,
        })
    }

    /// The action's result.
    pub fn result(&self) -> TrainResult {
        TrainResult {
            model_id: self.model.as_ref().map(|model| model.id),
            model_name: self.model.as_ref().map(|model| model.name.clone()),
            model_path: self.model_dir.to_string_lossy().into_owned(),
            data_path: self.data_path.as_ref().map(|path| path.to_string_lossy().into_owned()),
            checkpoint: self.checkpoint.as_ref().and_then(|checkpoint| checkpoint.id),
            metrics: self.trained.as_ref().map(|trained| trained.metrics.clone()).unwrap_or_default(),
        }
    }
}

/// How long a train run's work directory (its model) is kept on this machine after its last
/// change.
pub const WORK_DIR_LIFETIME: Duration = Duration::from_secs(7 * 24 * 3600);

/// Removes the work directories under `runs` whose directory and `model/` were last changed
/// more than [`WORK_DIR_LIFETIME`] ago (what cannot be read or removed is left).
fn remove_stale(runs: &Path) {
    let Ok(entries) = std::fs::read_dir(runs) else { return };
    let now = SystemTime::now();
    let changed = |path: &Path| std::fs::metadata(path).and_then(|metadata| metadata.modified()).ok();
    for entry in entries.flatten() {
        let path = entry.path();
        let last = changed(&path).into_iter().chain(changed(&path.join("model"))).max();
        let stale = last.is_some_and(|at| now.duration_since(at).is_ok_and(|age| age > WORK_DIR_LIFETIME));
        if stale {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// What the author's `train` receives.
#[derive(Debug)]
#[non_exhaustive]
pub struct TrainRun<'a, P> {
    /// The action's own params (hyperparameters from the platform's list included).
    pub params: &'a P,
    /// The fields every train action takes.
    pub base: &'a TrainBase,
    /// What to open: the converted data's config file (`dataset.yaml` for YOLO) or directory.
    pub data_path: &'a Path,
    /// The dataset as downloaded and converted (paths and counts); `None` with `data_path` given.
    pub dataset: Option<&'a DatasetResult>,
    /// The model to start from: `checkpoint` extracted, or the environment's base checkpoint.
    pub checkpoint: Option<&'a Checkpoint>,
    /// An empty directory to write the model to: it is zipped and uploaded when `train` returns.
    pub model_dir: &'a Path,
}

/// What the author's `train` returns: the final metrics (kept in the action's result). The
/// model itself is what `train` wrote to [`TrainRun::model_dir`].
///
/// ```
/// use synapse::train::TrainedModel;
/// let trained = TrainedModel::new().metric("accuracy", 0.97).metric("epochs", 12);
/// assert_eq!(trained.metrics["accuracy"], 0.97);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainedModel {
    /// The final metrics, by name.
    pub metrics: Map<String, Value>,
}

impl TrainedModel {
    /// No metrics yet.
    pub fn new() -> Self {
        TrainedModel::default()
    }

    /// With the metric `name`.
    pub fn metric(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metrics.insert(name.into(), value.into());
        self
    }
}

/// What a train action returns.
#[crate::output(crate = crate)]
#[derive(Debug, Clone, PartialEq)]
pub struct TrainResult {
    /// The model registered on the backend (`model_upload`); `null` when there was no backend to register it with
    pub model_id: Option<u64>,
    /// Its name
    pub model_name: Option<String>,
    /// The model's directory on this machine
    pub model_path: String,
    /// What training read: the converted data's config file or directory
    pub data_path: Option<String>,
    /// The checkpoint model training started from
    pub checkpoint: Option<u64>,
    /// The final metrics `train` returned
    pub metrics: Map<String, Value>,
}
