//! The quickstart plugin: the tutorial of the Synapse plugin docs, in Rust.
//!
//! - `process` loops over 100 items reporting progress, logs events and metrics, and returns a
//!   typed result;
//! - `train` fits a small linear model by gradient descent on a synthetic dataset, reporting
//!   the loss per epoch, and returns the learned weights.
//!
//! ```text
//! cargo run -p quickstart -- run process --params '{"input_path": "/data/in.csv", "output_path": "/data/out.csv"}'
//! ```

use synapse::prelude::*;
use synapse::types::{ModelWeights, YoloDataset};

synapse::plugin!(name = "Quickstart", category = Custom);

/// Parameters for the process action.
#[params]
#[derive(Debug, Clone)]
pub struct ProcessParams {
    /// Path to input file
    pub input_path: String,
    /// Path to output file
    pub output_path: String,
    /// Items processed per batch
    #[param(default = 32, range(min = 1, max = 1024))]
    pub batch_size: u32,
    /// Log an event for every processed item
    #[param(default)]
    pub verbose: bool,
}

/// Typed result of the process action.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessResult {
    /// `completed` when every item was processed.
    pub status: String,
    /// Where the output went.
    pub output_path: String,
    /// How many items were processed.
    pub items_processed: u64,
}

/// Process files with progress tracking.
#[action(name = "process", category = Custom)]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ProcessResult;

    async fn execute(&self, params: ProcessParams, ctx: &Context) -> Result<ProcessResult> {
        ctx.log("process_start", json!({ "input": params.input_path, "batch_size": params.batch_size }));
        let total_items: u64 = 100;
        for i in 0..total_items {
            ctx.check_cancelled()?;
            ctx.set_progress(i + 1, total_items);
            if params.verbose {
                ctx.log("item_processed", json!({ "index": i }));
            }
        }
        ctx.set_metrics(metrics! { items_processed: total_items }, "process");
        Ok(ProcessResult { status: "completed".into(), output_path: params.output_path, items_processed: total_items })
    }
}

/// Training hyper-parameters.
#[params]
#[derive(Debug, Clone)]
pub struct TrainParams {
    /// Passes over the dataset
    #[param(default = 10, range(min = 1, max = 10_000))]
    pub epochs: u32,
    /// Gradient-descent step size
    #[param(default = 0.01, range(exclusive_min = 0.0, max = 1.0))]
    pub learning_rate: f64,
    /// Samples in the synthetic dataset (y = 2x + 1 plus a little deterministic noise)
    #[param(default = 256, range(min = 2, max = 1_000_000))]
    pub samples: u32,
}

/// The trained model.
#[output]
#[derive(Debug, Clone, PartialEq)]
pub struct TrainResult {
    /// The learned slope.
    pub weight: f64,
    /// The learned intercept.
    pub bias: f64,
    /// Mean squared error after the last epoch.
    pub final_loss: f64,
    /// Epochs run.
    pub epochs: u32,
}

/// Train a linear model on the dataset by gradient descent.
#[action(category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
pub struct TrainAction;

impl Action for TrainAction {
    type Params = TrainParams;
    type Output = TrainResult;

    async fn execute(&self, params: TrainParams, ctx: &Context) -> Result<TrainResult> {
        let n = params.samples as usize;
        let xs: Vec<f64> = (0..n).map(|i| i as f64 / n as f64).collect();
        let ys: Vec<f64> = xs.iter().enumerate().map(|(i, x)| 2.0 * x + 1.0 + ((i % 7) as f64 - 3.0) * 0.01).collect();
        let (mut weight, mut bias, mut loss) = (0.0_f64, 0.0_f64, f64::NAN);
        let progress = ctx.progress("train");
        for epoch in 1..=params.epochs {
            ctx.check_cancelled()?;
            let (mut grad_w, mut grad_b, mut squared) = (0.0, 0.0, 0.0);
            for (x, y) in xs.iter().zip(&ys) {
                let error = weight * x + bias - y;
                grad_w += error * x;
                grad_b += error;
                squared += error * error;
            }
            let scale = 2.0 / n as f64;
            weight -= params.learning_rate * grad_w * scale;
            bias -= params.learning_rate * grad_b * scale;
            loss = squared / n as f64;
            ensure!(loss.is_finite(), "training diverged at epoch {epoch}; lower the learning rate");
            progress.set(epoch.into(), params.epochs.into());
            ctx.set_metrics(metrics! { epoch: epoch, loss: loss }, "train");
        }
        ctx.log_message(format!("trained {} epochs, loss {loss:.5}", params.epochs), LogLevel::Success);
        Ok(TrainResult { weight, bias, final_loss: loss, epochs: params.epochs })
    }
}
