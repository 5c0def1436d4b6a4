//! The detector plugin: its actions and its pipeline.
//!
//! - `dataset` — the SDK's dataset action: `download` a ground-truth dataset version (then
//!   convert it when `target_format` is given) or `convert` the dataset at `path`;
//! - `download_dataset` and `convert_to_yolo` — its two operations as actions of their own, so
//!   that a pipeline's semantic types say what flows: DM v2, then YOLO;
//! - `train` — a train action ([`synapse::train`]): the dataset is downloaded and converted to
//!   YOLO, the classifier fitted fold by fold (each fold a round, its held-out scores reported as
//!   `validation` metrics with `epoch` = the fold), then on every train box (the last round,
//!   `epoch` = folds + 1: its `train` scores, and its `validation` scores on the `valid` split),
//!   a validation grid logged as a visualization, and the model directory uploaded and
//!   registered; with a `checkpoint`, the parent model is scored on the same `valid` boxes
//!   (`checkpoint_valid_accuracy`: a random forest does not continue from another, so the
//!   parent is the baseline the new model is compared with, and the model registered as its
//!   child);
//! - `inference` — the boxes of images classified with a model of the backend, in the run's
//!   process ([`synapse::serve::infer_with`] over [`DetectorServe`]: the model downloaded and
//!   loaded once per process);
//! - the `detector` pipeline: `download_dataset` → `convert_to_yolo` → `train` (type-checked
//!   at compile time: each action's output type feeds the next one's input type).

use crate::serve::{Classified, DetectorServe, ImageBoxes};
use crate::{BoxSet, Classifier, FoldReport, TrainConfig, fit, visualize};
use synapse::dataset::{DatasetOperation, DatasetParams, DatasetResult, run_dataset};
use synapse::prelude::*;
use synapse::train::{TrainAction, TrainRun, TrainedModel};
use synapse::types::{DmV2Dataset, ModelWeights, YoloDataset};

synapse::plugin!(
    name = "Detector",
    category = NeuralNet,
    description = "Classifies the labelled boxes of image datasets: downloads a ground-truth dataset, converts it to YOLO, fits a random forest over box crops and registers the model."
);

/// Downloads a ground-truth dataset version, or converts a dataset, as the params say.
#[action(name = "dataset", category = NeuralNet, output_type = synapse::types::Dataset)]
pub struct Dataset;

impl Action for Dataset {
    type Params = DatasetParams;
    type Output = DatasetResult;

    async fn execute(&self, params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
        Ok(run_dataset(ctx, &params).await?)
    }
}

/// Downloads a ground-truth dataset version in DM v2.
#[action(name = "download_dataset", category = NeuralNet, output_type = DmV2Dataset)]
pub struct DownloadDataset;

impl Action for DownloadDataset {
    type Params = DatasetParams;
    type Output = DatasetResult;

    async fn execute(&self, mut params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
        params.operation = DatasetOperation::Download;
        params.target_format = None;
        Ok(run_dataset(ctx, &params).await?)
    }
}

/// Converts a DM v2 dataset to YOLO (the Ultralytics layout, with its `dataset.yaml`).
#[action(name = "convert_to_yolo", category = NeuralNet, input_type = DmV2Dataset, output_type = YoloDataset)]
pub struct ConvertToYolo;

impl Action for ConvertToYolo {
    type Params = DatasetParams;
    type Output = DatasetResult;

    async fn execute(&self, mut params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
        params.operation = DatasetOperation::Convert;
        params.source_format = "dm_v2".to_owned();
        params.target_format = Some("yolo".to_owned());
        Ok(run_dataset(ctx, &params).await?)
    }
}

/// How the classifier is fitted (the platform may send these in `hyperparameters`).
#[params]
#[derive(Debug, Clone)]
pub struct Hyperparameters {
    /// Cross-validation folds over the train split, each reported as an epoch (0: none)
    #[param(default = 5, range(max = 50))]
    pub folds: u32,
    /// Trees in the forest
    #[param(default = 50, range(min = 1, max = 1000))]
    pub trees: u16,
    /// The deepest a tree grows
    #[param(default = 8, range(min = 1, max = 64))]
    pub max_depth: u16,
    /// The fewest boxes a leaf holds
    #[param(default = 1, range(min = 1, max = 1000))]
    pub min_samples_leaf: u32,
    /// The seed of the folds and the forest: the same seed, the same model
    #[param(default = 42)]
    pub seed: u64,
}

impl Hyperparameters {
    fn config(&self) -> TrainConfig {
        TrainConfig {
            folds: self.folds as usize,
            trees: self.trees,
            max_depth: self.max_depth,
            min_samples_leaf: self.min_samples_leaf as usize,
            seed: self.seed,
        }
    }
}

/// Fits the box classifier to a ground-truth dataset and registers the model.
#[action(name = "train", category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
pub struct Train;

impl TrainAction for Train {
    type Params = Hyperparameters;
    const TARGET_FORMAT: Option<&'static str> = Some("yolo");

    async fn train(&self, run: TrainRun<'_, Hyperparameters>, ctx: &Context) -> Result<TrainedModel> {
        let (data_path, model_dir, config) = (run.data_path.to_owned(), run.model_dir.to_owned(), run.params.config());
        let parent = run.checkpoint.map(|checkpoint| checkpoint.path.clone());
        let reporter = ctx.clone();
        let folds = config.folds as u64;
        let fitted = ctx
            .spawn_blocking(move || -> Result<_> {
                let data = BoxSet::read_yolo(&data_path)?;
                let trained = fit(&data, &config, |fold: &FoldReport| {
                    reporter.report_metrics("validation", fold.fold as u64, fold.held_out.scalars());
                    reporter.set_progress(fold.fold as u64, folds + 1);
                })?;
                trained.classifier.save(&model_dir)?;
                // A forest does not continue from another: the parent is scored on the same
                // `valid` boxes, so the new model can be compared with it.
                let baseline = match parent {
                    Some(parent) => {
                        let parent = Classifier::load(&parent)?;
                        let valid = data.split(synapse::formats::Split::Valid);
                        let same_classes = parent.names() == data.names.as_slice();
                        (same_classes && !valid.is_empty()).then(|| parent.evaluate(&valid)).transpose()?
                    }
                    None => None,
                };
                let grid = match &trained.valid {
                    Some(_) => {
                        let valid = data.split(synapse::formats::Split::Valid);
                        let predicted = trained.classifier.predict_samples(&valid)?;
                        Some(visualize::validation_grid(&valid, &predicted, 8))
                    }
                    None => None,
                };
                Ok((trained, grid, baseline))
            })
            .await??;
        let (trained, grid, baseline) = fitted;
        // The final fit, on every train box, is the last round: its train and valid scores.
        let last = folds + 1;
        ctx.set_progress(last, last);
        ctx.report_metrics("train", last, trained.train.scalars());
        let mut model = TrainedModel::new().metric("train_accuracy", trained.train.accuracy);
        if let Some(valid) = &trained.valid {
            ctx.report_metrics("validation", last, valid.scalars());
            model = model.metric("valid_accuracy", valid.accuracy).metric("valid_macro_f1", valid.macro_f1());
            ctx.log_message(
                format!("valid accuracy {:.3} over {} boxes", valid.accuracy, valid.samples),
                LogLevel::Info,
            );
        }
        if let Some(baseline) = baseline {
            model = model.metric("checkpoint_valid_accuracy", baseline.accuracy);
            ctx.log_message(
                format!("the checkpoint scores {:.3} on the same boxes", baseline.accuracy),
                LogLevel::Info,
            );
        }
        if let Some(grid) = grid {
            let path = run.model_dir.with_file_name("validation.png");
            visualize::write_png(&grid, &path)?;
            ctx.log_visualization(
                "validation",
                "predictions",
                0,
                &path,
                synapse::metrics! { caption: "green: right, red: wrong" },
            )?;
        }
        Ok(model)
    }
}

/// What to classify, and with which model.
#[params]
pub struct InferenceParams {
    /// The model's id on the backend (one the `train` action registered)
    pub model: u64,
    /// The images, each with the boxes to classify in it (as a request to `detector serve`)
    #[param(length(min = 1))]
    pub inputs: Vec<ImageBoxes>,
}

/// What the inference action gives: per input, in order, its boxes' classes.
#[output]
pub struct InferenceResult {
    /// The model that classified them.
    pub model: u64,
    /// One per input, in order.
    pub results: Vec<Classified>,
}

/// Classifies the boxes of images with a model the train action registered.
#[action(name = "inference", category = NeuralNet)]
pub struct Inference;

impl Action for Inference {
    type Params = InferenceParams;
    type Output = InferenceResult;

    async fn execute(&self, params: InferenceParams, ctx: &Context) -> Result<InferenceResult> {
        let results = synapse::serve::infer_with(ctx, &DetectorServe, params.model, params.inputs).await?;
        Ok(InferenceResult { model: params.model, results })
    }
}

/// Downloads a ground-truth dataset version, converts it to YOLO, fits and registers the model.
#[pipeline(name = "detector")]
pub struct DetectorPipeline(DownloadDataset, ConvertToYolo, Train);
