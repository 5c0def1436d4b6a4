//! Train actions: an action that declares itself one ([`TrainAction`]) gets the SDK's train
//! workflow (`BaseTrainAction`) without glue code:
//!
//! ```text
//! dataset (20 %) ──▶ convert (when it names a target format) ──▶ train (75 %) ──▶ model_upload (5 %)
//! download the        DM v2 → YOLO / COCO / Pascal VOC,            its own code:      zip the model directory
//! ground-truth        cached beside the download                   data path,         (deterministically), chunked
//! dataset version                                                  checkpoint          upload, POST models/
//! ```
//!
//! With a conversion, `dataset` takes 15 % and `convert` 5 %. The author writes `train`: it
//! receives the converted data's path (`dataset.yaml` for YOLO), the checkpoint it starts from,
//! and an empty model directory; it reports metrics per epoch
//! ([`Context::report_metrics`](crate::Context)) and writes the model. Everything else — the
//! params every train action takes ([`TrainBase`]: `dataset`, `splits`, `checkpoint`,
//! `hyperparameters` as the platform sends them, …), the download and its cache, the
//! conversion, the checkpoint's download and extraction, the model's archive and its
//! registration with the hyperparameters as its configuration — is the base's. An author
//! changes the steps through [`TrainAction::steps`] (insert, replace, remove by name), as the
//! SDK's `setup_steps` does.
//!
//! ```no_run
//! use synapse::prelude::*;
//! use synapse::train::{TrainAction, TrainRun, TrainedModel};
//! use synapse::types::{ModelWeights, YoloDataset};
//!
//! /// How to train.
//! #[params]
//! #[derive(Debug, Clone)]
//! pub struct Hyper {
//!     /// Passes over the data.
//!     #[param(default = 10, range(min = 1, max = 1000))]
//!     pub epochs: u32,
//! }
//!
//! /// Trains a detector on a YOLO dataset.
//! #[action(name = "train_boxes", method = Job, category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
//! pub struct TrainBoxes;
//!
//! impl TrainAction for TrainBoxes {
//!     type Params = Hyper;
//!     const TARGET_FORMAT: Option<&'static str> = Some("yolo");
//!
//!     async fn train(&self, run: TrainRun<'_, Hyper>, ctx: &Context) -> Result<TrainedModel> {
//!         for epoch in 1..=run.params.epochs {
//!             ctx.set_progress(epoch.into(), run.params.epochs.into());
//!         }
//!         std::fs::write(run.model_dir.join("weights.json"), format!("{{\"data\": {:?}}}", run.data_path))?;
//!         Ok(TrainedModel::new().metric("epochs", run.params.epochs))
//!     }
//! }
//! ```
//!
//! # Bad input
//!
//! | input | outcome |
//! |---|---|
//! | neither `dataset` nor `data_path` | a params violation at `$.dataset`, before the run |
//! | a dataset version that does not exist, an empty split, missing or corrupt images | as [`dataset`](crate::dataset) says: errors, or counted skips |
//! | a box outside its image, of a class outside the class list | clipped, or dropped: counted and reported by `convert` |
//! | a target format nobody registered | an error listing the registered pairs, before the workflow starts |
//! | a `checkpoint` that does not exist, or whose file is not a zip | [`TrainError::Checkpoint`], [`TrainError::CheckpointNotZip`], at `train` before the author's code |
//! | a `train` that writes no model | [`TrainError::NoModel`] at `model_upload` |
//! | a hyperparameter of the wrong type in the platform's list | a params violation at `$.hyperparameters[0].<name>`, before the run |
//!
//! Needs the `train` feature.
//!
//! | file | holds |
//! |---|---|
//! | `params.rs` | [`TrainParams`], [`TrainBase`]: the params, flat on the wire, with the hyperparameters list flattened |
//! | `steps.rs` | the four steps and [`train_steps`] |
//! | `state.rs` | [`TrainState`], [`TrainRun`], [`TrainedModel`], [`TrainResult`] |
//! | `checkpoint.rs` | [`Checkpoint`]: a model downloaded and extracted into the model cache ([`default_model_cache_dir`] says where), or a base path ([`BASE_CHECKPOINT_ENV`]) |
//! | `archive.rs` | [`zip_dir`] (deterministic), [`extract_zip`] |
//! | `error.rs` | [`TrainError`] |

mod archive;
mod checkpoint;
mod error;
mod messages;
mod params;
mod state;
mod steps;

pub use archive::{extract_zip, is_zip, zip_dir};
pub use checkpoint::{
    BASE_CHECKPOINT_ENV, Checkpoint, MODEL_CACHE_ENV, base_checkpoint, default_model_cache_dir, fetch_checkpoint,
    fetch_model,
};
pub use error::TrainError;
pub use messages::TrainMessage;
pub use params::{TrainBase, TrainParams, flatten_hyperparameters};
pub use state::{TrainResult, TrainRun, TrainState, TrainedModel, WORK_DIR_LIFETIME};
pub use steps::{ConvertStep, DatasetStep, ModelUploadStep, TrainStep, train_steps};

use crate::action::{Action, ConstructAction};
use crate::context::Context;
use crate::error::Result;
use crate::params::Params;
use crate::steps::StepRegistry;
use std::future::Future;

/// An action that trains a model: implement it on an `#[action]` struct (instead of
/// [`Action`]) to get the train workflow (see the [module documentation](self)). Its params are
/// [`TrainParams<Self::Params>`], its result a [`TrainResult`].
///
/// Name the action `train` or give it `method = Job` (`#[action(method = Job, …)]`): the run
/// method `config.yaml` declares comes from the name, and a training runs as a job.
pub trait TrainAction: ConstructAction + Send + Sync + 'static {
    /// The action's own params (its hyperparameters), a `#[params]` struct; the fields every
    /// train action takes ([`TrainBase`]) are added beside them.
    type Params: Params + Sync;

    /// The format `train` reads, converted from the download with the converter registry
    /// (`yolo`, `coco`, `pascal`, or one a plugin registers); `None` (or `dm_v2`): the DM v2
    /// download as it is. What [`TrainRun::data_path`] is then, and what reads it:
    ///
    /// | `TARGET_FORMAT` | `data_path` | read with |
    /// |---|---|---|
    /// | `yolo` | `<dataset>/converted/yolo/dataset.yaml` | [`formats::yolo::read_dir`](crate::formats::yolo::read_dir) |
    /// | `coco` | `<dataset>/converted/coco/` (`annotations/instances_<split>.json`, images per split) | [`formats::coco::read_dir`](crate::formats::coco::read_dir) |
    /// | `pascal` | `<dataset>/converted/pascal/` (`Annotations/`, `JPEGImages/`, `ImageSets/Main/`) | [`formats::voc::read_dir`](crate::formats::voc::read_dir) with `one_based: false` |
    /// | `None` | `<dataset>/`: `<split>/json/`, `<split>/original_files/` (and `converted/`, `.complete`) | [`formats::dm::read_dir`](crate::formats::dm::read_dir) |
    ///
    /// Keep it in step with the action's `input_type` (`YoloDataset` for `yolo`, …): the
    /// pipeline's type check reads `input_type`.
    const TARGET_FORMAT: Option<&'static str> = None;

    /// Trains the model: reads `run.data_path`, starts from `run.checkpoint` if any, writes
    /// the model to `run.model_dir`, reports through `ctx` (its progress is the `train` step's).
    fn train(
        &self,
        run: TrainRun<'_, Self::Params>,
        ctx: &Context,
    ) -> impl Future<Output = Result<TrainedModel>> + Send;

    /// Changes the workflow's steps before the run (`steps.insert_after("train", Evaluate)`,
    /// `steps.remove("model_upload")`, …). The default keeps them.
    ///
    /// # Errors
    /// A change the registry refuses (an unknown or repeated step name).
    fn steps(&self, steps: &mut StepRegistry<TrainState<Self::Params>>) -> Result<()> {
        let _ = steps;
        Ok(())
    }
}

impl<A: TrainAction> Action for A {
    type Params = TrainParams<A::Params>;
    type Output = TrainResult;

    async fn execute(&self, params: TrainParams<A::Params>, ctx: &Context) -> Result<TrainResult> {
        // A target format nobody registered is known before anything is downloaded.
        if let Some(target) = steps::target_format(A::TARGET_FORMAT) {
            crate::formats::converter_for("dm_v2", target).map_err(|error| {
                crate::Error::new(error).context(format!("this train action's TARGET_FORMAT is `{target}`"))
            })?;
        }
        let mut steps = train_steps::<A>()?;
        self.steps(&mut steps)?;
        let mut state = TrainState::new(params, steps::target_format(A::TARGET_FORMAT), ctx)?;
        steps.orchestrator().run(ctx, &mut state).await?;
        Ok(state.result())
    }
}
