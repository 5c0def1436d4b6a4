//! `test`: a trained model scored on a YOLO dataset's boxes.

use crate::model::{ClassPrior, class_counts};
use std::path::PathBuf;
use synapse::formats::yolo;
use synapse::prelude::*;

/// What to score, and on what.
#[params]
#[derive(Debug, Clone)]
pub struct TestParams {
    /// The model's directory (what `train` returned as `model_path`)
    pub model_path: String,
    /// The dataset's `dataset.yaml`
    pub data_path: String,
}

/// How the model scored.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct TestResults {
    /// The boxes scored.
    pub boxes: u64,
    /// The share of boxes whose class the model predicts.
    pub accuracy: f64,
    /// The mean cross-entropy of the boxes' classes.
    pub loss: f64,
}

/// Scores a trained model on a YOLO dataset.
#[action(name = "test", method = Job, category = NeuralNet)]
pub struct Test;

impl Action for Test {
    type Params = TestParams;
    type Output = TestResults;

    async fn execute(&self, params: TestParams, ctx: &Context) -> Result<TestResults> {
        let model = ClassPrior::load(&PathBuf::from(&params.model_path))?;
        let data_path = PathBuf::from(&params.data_path);
        let dataset = ctx.spawn_blocking(move || yolo::read_dir(&data_path)).await??;
        ensure!(model.names == dataset.names, "the model's classes are not the dataset's");
        let counts = class_counts(&dataset, None);
        let boxes: u64 = counts.iter().sum();
        ensure!(boxes > 0, "{} has no boxes", params.data_path);
        let predicted = model.predict().map(|(name, _)| name);
        let right = dataset.names.iter().zip(&counts).filter(|(name, _)| Some(name.as_str()) == predicted);
        let accuracy = right.map(|(_, n)| *n).sum::<u64>() as f64 / boxes as f64;
        let loss = model.loss(&counts);
        ctx.set_metrics(metrics! { accuracy: accuracy, loss: loss }, "test");
        Ok(TestResults { boxes, accuracy, loss })
    }
}
