//! The train workflow's steps: `dataset` (download), `convert` (to the action's target format),
//! `train` (the author's code, with its checkpoint), `model_upload` (zip, chunked upload,
//! `POST models/`), and [`train_steps`], which lists them for an action.

use super::TrainMessage;
use super::checkpoint::{BASE_CHECKPOINT_ENV, MODEL_CACHE_ENV, base_checkpoint, fetch_checkpoint};
use super::{TrainAction, TrainError, TrainRun, TrainState, zip_dir};
use crate::backend::{ChunkedUploadOptions, ModelCreate};
use crate::context::Context;
use crate::dataset::action::{run_cache_dir, run_var};
use crate::dataset::{self, DatasetParams, DatasetResult, Observer, Phase, Skipped, convert_for};
use crate::error::Result;
use crate::events::RunId;
use crate::formats::ConvertOptions;
use crate::params::Params;
use crate::steps::{Step, StepCx, StepInfo, StepRegistry, StepSpec};
use std::path::{Path, PathBuf};

/// Downloads `dataset` (weight 0.20; 0.15 when `convert` follows); skipped when `data_path` is
/// given.
pub struct DatasetStep;
/// Converts the download to the action's target format (weight 0.05).
pub struct ConvertStep;
/// Resolves the checkpoint and runs the author's `train` (weight 0.75).
pub struct TrainStep<A>(A);
/// Zips the model directory, uploads it and registers the model (weight 0.05); skipped, with a
/// warning naming the model's directory, when the run has no backend.
pub struct ModelUploadStep;

impl StepInfo for DatasetStep {
    const SPEC: StepSpec = StepSpec::new("dataset", 0.20);
}
impl StepInfo for ConvertStep {
    const SPEC: StepSpec = StepSpec::new("convert", 0.05);
}
impl<A> StepInfo for TrainStep<A> {
    const SPEC: StepSpec = StepSpec::new("train", 0.75);
}
impl StepInfo for ModelUploadStep {
    const SPEC: StepSpec = StepSpec::new("model_upload", 0.05);
}

/// The steps of action `A`'s workflow before the author's changes: `dataset` → `convert` (when
/// `A::TARGET_FORMAT` names one) → `train` → `model_upload`.
///
/// # Errors
/// None for these steps; the registry's errors are those of a change that follows.
pub fn train_steps<A: TrainAction>() -> Result<StepRegistry<TrainState<A::Params>>> {
    let mut registry = StepRegistry::new();
    registry.register(DatasetStep)?;
    if target_format(A::TARGET_FORMAT).is_some() {
        registry.register(ConvertStep)?;
        registry.set_weight("dataset", 0.15)?;
    }
    registry.register(TrainStep(A::construct()))?.register(ModelUploadStep)?;
    Ok(registry)
}

fn client(ctx: &Context, what: &'static str) -> std::result::Result<crate::backend::BackendClient, TrainError> {
    ctx.client().cloned().map_err(|error| TrainError::NoBackend { what, reason: error.to_string() })
}

/// The format to convert to: none for `None` and `dm_v2` (the download's own).
pub(super) fn target_format(format: Option<&'static str>) -> Option<&'static str> {
    format.filter(|format| *format != "dm_v2")
}

/// A download's progress as the `dataset` step's: the files downloaded move the step.
struct StepObserver(Context);

impl Observer for StepObserver {
    fn progress(&self, phase: Phase, done: u64, total: u64) {
        Observer::progress(&self.0, phase, done, total);
        if phase == Phase::Download {
            self.0.set_progress(done, total);
        }
    }

    fn skipped(&self, skipped: &Skipped) {
        Observer::skipped(&self.0, skipped);
    }

    fn cache_hit(&self, path: &Path) {
        Observer::cache_hit(&self.0, path);
    }
}

impl<P: Params + Sync> Step<TrainState<P>> for DatasetStep {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, TrainState<P>>) -> bool {
        cx.params.base.data_path.is_some()
    }

    async fn execute(&self, cx: &mut StepCx<'_, TrainState<P>>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let base = &cx.params.base;
        let version = base.dataset.ok_or(TrainError::NoData)?;
        let params = DatasetParams { splits: base.splits.clone(), ..DatasetParams::download(version) };
        let mut request = params.request().map_err(TrainError::from)?;
        request = match run_cache_dir(&ctx, dataset::CACHE_ENV, "datasets") {
            Some(dir) => request.cache(dataset::DatasetCache::new(dir)),
            None => request.output_dir(cx.work_dir.join("dataset")),
        };
        let client = client(&ctx, "downloading `dataset`")?;
        let downloaded =
            dataset::download(&client, &request, &StepObserver(ctx.clone())).await.map_err(TrainError::from)?;
        ctx.set_progress(1, 1);
        let state = cx.state();
        state.data_path = Some(downloaded.path.clone());
        state.dataset = Some(DatasetResult::downloaded(&downloaded));
        Ok(())
    }
}

impl<P: Params + Sync> Step<TrainState<P>> for ConvertStep {
    type Undo = ();

    fn can_skip(&self, cx: &StepCx<'_, TrainState<P>>) -> bool {
        cx.params.base.data_path.is_some() || cx.target_format.is_none()
    }

    async fn execute(&self, cx: &mut StepCx<'_, TrainState<P>>, _: &mut ()) -> Result<()> {
        let ctx = cx.ctx().clone();
        let (Some(target), Some(dataset)) = (cx.target_format, cx.dataset.clone()) else {
            return Err(TrainError::NoData.into());
        };
        let source = PathBuf::from(&dataset.path);
        let converted = convert_for(&ctx, &source, "dm_v2", target, None, ConvertOptions::default())
            .await
            .map_err(TrainError::from)?;
        ctx.set_progress(1, 1);
        let state = cx.state();
        state.data_path = Some(converted.data_path().to_owned());
        state.dataset = Some(dataset.converted(&converted));
        Ok(())
    }
}

impl<A: TrainAction> Step<TrainState<A::Params>> for TrainStep<A> {
    /// Whether `train` ran (its model directory is then emptied by a rollback).
    type Undo = bool;

    async fn execute(&self, cx: &mut StepCx<'_, TrainState<A::Params>>, ran: &mut bool) -> Result<()> {
        let ctx = cx.ctx().clone();
        let data_path = match (&cx.data_path, &cx.params.base.data_path) {
            (Some(path), _) => path.clone(),
            (None, Some(given)) => PathBuf::from(given),
            (None, None) => return Err(TrainError::NoData.into()),
        };
        if !data_path.exists() {
            return Err(TrainError::DataPathMissing { path: data_path }.into());
        }
        let checkpoint = match cx.params.base.checkpoint {
            Some(id) => {
                let client = client(&ctx, "the `checkpoint` model")?;
                let work = cx.work_dir.join("checkpoints");
                let cache = run_cache_dir(&ctx, MODEL_CACHE_ENV, "models");
                Some(fetch_checkpoint(&client, id, cache.as_deref(), &work).await?)
            }
            None => match run_var(&ctx, BASE_CHECKPOINT_ENV) {
                Some(path) if !path.is_empty() => Some(base_checkpoint(Path::new(&path))?),
                _ => None,
            },
        };
        if let Some(checkpoint) = &checkpoint {
            ctx.log("checkpoint", checkpoint);
        }
        let state = cx.state();
        state.checkpoint = checkpoint;
        state.data_path = Some(data_path);
        let run = TrainRun {
            params: &state.params.params,
            base: &state.params.base,
            data_path: state.data_path.as_deref().unwrap_or(Path::new("")),
            dataset: state.dataset.as_ref(),
            checkpoint: state.checkpoint.as_ref(),
            model_dir: &state.model_dir,
        };
        *ran = true;
        let trained = self.0.train(run, &ctx).await?;
        cx.state().trained = Some(trained);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, TrainState<A::Params>>, ran: bool) -> Result<()> {
        if ran {
            let dir = cx.model_dir.clone();
            std::fs::remove_dir_all(&dir).and_then(|()| std::fs::create_dir_all(&dir))?;
        }
        Ok(())
    }
}

impl<P: Params + Sync> Step<TrainState<P>> for ModelUploadStep {
    /// The id of the model registered.
    type Undo = Option<u64>;

    fn can_skip(&self, cx: &StepCx<'_, TrainState<P>>) -> bool {
        match cx.ctx().client() {
            Ok(_) => false,
            Err(error) => {
                let dir = cx.model_dir.display();
                cx.log_message_code(&TrainMessage::NotUploaded { reason: error.to_string(), dir: dir.to_string() });
                true
            }
        }
    }

    async fn execute(&self, cx: &mut StepCx<'_, TrainState<P>>, registered: &mut Option<u64>) -> Result<()> {
        let ctx = cx.ctx().clone();
        let client = client(&ctx, "uploading the model")?;
        let (model_dir, archive) = (cx.model_dir.clone(), cx.work_dir.join("model.zip"));
        let empty = std::fs::read_dir(&model_dir).map(|mut entries| entries.next().is_none()).unwrap_or(true);
        if empty {
            return Err(TrainError::NoModel { path: model_dir }.into());
        }
        let zipped = archive.clone();
        let files = ctx.spawn_blocking(move || zip_dir(&model_dir, &zipped)).await??;
        let model = model_request(cx.state(), &ctx)?;
        let progress = ctx.clone();
        let options =
            ChunkedUploadOptions::default().on_progress(move |sent, total| progress.set_progress(sent, total));
        let model = client
            .create_model_from_file(&archive, model, &options)
            .await
            .map_err(|error| TrainError::Upload { path: archive.clone(), source: Box::new(error) })?;
        *registered = Some(model.id);
        // The archive is a copy of the model directory, now on the backend.
        let _ = std::fs::remove_file(&archive);
        ctx.log("model_registered", serde_json::json!({ "id": model.id, "name": model.name, "files": files }));
        ctx.log_message_code(&TrainMessage::Registered { id: model.id, name: model.name.clone() });
        cx.state().model = Some(model);
        Ok(())
    }

    async fn rollback(&self, cx: &mut StepCx<'_, TrainState<P>>, registered: Option<u64>) -> Result<()> {
        if let Some(id) = registered {
            // The backend's API deletes no models: say which one stays.
            cx.log_message_code(&TrainMessage::ModelStays { id });
        }
        Ok(())
    }
}

/// The `POST models/` body of the model `state` trained: its name (the params' `name` or
/// `train_<job or run id>`, a random `_<8 hex>` added, as the SDK does: names are unique per
/// tenant), the plugin's code and version, the parent checkpoint, and the params as
/// `configuration.hyperparameter`.
fn model_request<P: Params>(state: &TrainState<P>, ctx: &Context) -> Result<ModelCreate> {
    let base = &state.params.base;
    let stem = match (&base.name, ctx.job_id()) {
        (Some(name), _) => name.clone(),
        (None, Some(job)) => format!("train_{job}"),
        (None, None) => format!("train_{}", &ctx.run_id().as_str()[..8.min(ctx.run_id().as_str().len())]),
    };
    let suffix = RunId::random();
    let name = format!("{stem}_{}", &suffix.as_str()[..8]);
    let (plugin, version) = match crate::registry::registry() {
        Ok(registry) => {
            let plugin = registry.plugin();
            (plugin.code, plugin.version)
        }
        Err(_) => (ctx.plugin().to_owned(), "0.0.0".to_owned()),
    };
    let hyperparameter = serde_json::to_value(&state.params.params)?;
    Ok(ModelCreate {
        plugin: Some(plugin),
        version: Some(version),
        checkpoint: state.checkpoint.as_ref().and_then(|checkpoint| checkpoint.id).or(base.checkpoint),
        configuration: Some(serde_json::json!({ "hyperparameter": hyperparameter })),
        description: base.description.clone(),
        ..ModelCreate::new(name)
    })
}
