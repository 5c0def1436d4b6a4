//! `train`: the SDK's train workflow (`synapse::train`): the dataset downloaded and converted
//! to YOLO (or read from `data_path`), then this file's training, then the model directory
//! zipped, uploaded and registered on the backend (skipped, with a warning, without one).

use crate::model::{ClassPrior, class_counts};
use synapse::formats::Split;
use synapse::formats::yolo;
use synapse::prelude::*;
use synapse::train::{TrainAction, TrainRun, TrainedModel};
use synapse::types::{ModelWeights, YoloDataset};

/// How to train (the platform may send these in `hyperparameters`).
#[params]
#[derive(Debug, Clone)]
pub struct Hyperparameters {
    /// Passes over the dataset
    #[param(default = 20, range(min = 1, max = 10_000))]
    pub epochs: u32,
    /// Gradient-descent step size
    #[param(default = 0.5, range(exclusive_min = 0.0, max = 10.0))]
    pub learning_rate: f64,
}

/// Trains the class prior on a YOLO dataset and registers the model.
#[action(name = "train", method = Job, category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
pub struct Train;

impl TrainAction for Train {
    type Params = Hyperparameters;
    const TARGET_FORMAT: Option<&'static str> = Some("yolo");

    async fn train(&self, run: TrainRun<'_, Hyperparameters>, ctx: &Context) -> Result<TrainedModel> {
        let data_path = run.data_path.to_owned();
        let dataset = ctx.spawn_blocking(move || yolo::read_dir(&data_path)).await??;
        let train = class_counts(&dataset, Some(Split::Train));
        let valid = class_counts(&dataset, Some(Split::Valid));
        ensure!(train.iter().sum::<u64>() > 0, "the dataset has no boxes in its train split");
        let mut model = match run.checkpoint {
            Some(checkpoint) => ClassPrior::load(&checkpoint.path)?,
            None => ClassPrior::new(dataset.names.clone()),
        };
        ensure!(model.names == dataset.names, "the checkpoint's classes are not the dataset's");
        let epochs = run.params.epochs;
        for epoch in 1..=epochs {
            ctx.check_cancelled()?;
            model.step(&train, run.params.learning_rate);
            ctx.report_metrics("train", epoch.into(), metrics! { loss: model.loss(&train) });
            if valid.iter().sum::<u64>() > 0 {
                ctx.report_metrics("validation", epoch.into(), metrics! { loss: model.loss(&valid) });
            }
            ctx.set_progress(epoch.into(), epochs.into());
        }
        model.save(run.model_dir)?;
        let loss = model.loss(&train);
        ctx.log_message(format!("trained {epochs} epochs, loss {loss:.4}"), LogLevel::Success);
        Ok(TrainedModel::new().metric("loss", loss).metric("epochs", epochs))
    }
}
