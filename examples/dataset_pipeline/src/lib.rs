//! A pipeline over real files, in three actions:
//!
//! 1. `fetch_dataset` writes a CSV of noisy samples of a line (`y = slope·x + intercept`),
//!    generated from a seed, as a stand-in for a download;
//! 2. `convert_dataset` reads it, drops malformed rows, standardizes `x` and writes JSON lines;
//! 3. `train_model` fits a linear model to the converted rows by gradient descent, reporting
//!    the loss per epoch, and writes the model (in the original units) as JSON.
//!
//! Each action's result is merged into the next one's params: `fetch_dataset` returns
//! `dataset_path`, which `convert_dataset` takes; `convert_dataset` returns `converted_path`
//! and the scaling, which `train_model` takes.
//!
//! ```text
//! dataset_pipeline pipeline run dataset --params '{"work_dir": "/tmp/dataset-run", "rows": 2000}'
//! dataset_pipeline pipeline resume <RUN_ID>        # after a failure or a kill
//! ```

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use synapse::prelude::*;
use synapse::types::{Dataset, ModelWeights};

synapse::plugin!(name = "Dataset Pipeline", category = NeuralNet);

/// Samples as CSV rows `x,y`.
#[data_type(parent = Dataset)]
pub struct CsvSamples;

/// Samples as JSON lines, with `x` standardized.
#[data_type(parent = Dataset)]
pub struct StandardizedSamples;

/// Params of `fetch_dataset`.
#[params]
pub struct FetchParams {
    /// The directory the run writes its files to (created if missing).
    pub work_dir: String,
    /// How many samples.
    #[param(default = 1000, range(min = 10, max = 10_000_000))]
    pub rows: u64,
    /// The seed of the generator: the same seed gives the same dataset.
    #[param(default = 7)]
    pub seed: u64,
    /// The true slope of the line.
    #[param(default = 3.0)]
    pub slope: f64,
    /// The true intercept of the line.
    #[param(default = -2.0)]
    pub intercept: f64,
}

/// What `fetch_dataset` produced.
#[output]
pub struct Fetched {
    /// The CSV file.
    pub dataset_path: String,
    /// Its rows.
    pub rows: u64,
}

/// A deterministic generator (SplitMix64) for the samples and their noise.
struct SplitMix(u64);

impl SplitMix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates the dataset (as a download would fetch it).
#[action(category = DataValidation, output_type = CsvSamples)]
pub struct FetchDataset;

impl Action for FetchDataset {
    type Params = FetchParams;
    type Output = Fetched;

    async fn execute(&self, params: FetchParams, ctx: &Context) -> Result<Fetched> {
        std::fs::create_dir_all(&params.work_dir)
            .with_context(|| format!("cannot create the work directory `{}`", params.work_dir))?;
        let path = Path::new(&params.work_dir).join("samples.csv");
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        writeln!(out, "x,y")?;
        let mut random = SplitMix(params.seed);
        for row in 0..params.rows {
            ctx.check_cancelled()?;
            let x = random.next_f64() * 100.0;
            let noise = (random.next_f64() - 0.5) * 2.0;
            writeln!(out, "{x:.6},{:.6}", params.slope * x + params.intercept + noise)?;
            ctx.set_progress(row + 1, params.rows);
        }
        out.flush()?;
        ctx.log("dataset_written", json!({ "path": path, "rows": params.rows }));
        Ok(Fetched { dataset_path: path.to_string_lossy().into_owned(), rows: params.rows })
    }
}

/// Params of `convert_dataset`.
#[params]
pub struct ConvertParams {
    /// The directory the run writes its files to.
    pub work_dir: String,
    /// The CSV file to convert.
    pub dataset_path: String,
}

/// What `convert_dataset` produced.
#[output]
pub struct Converted {
    /// The JSON-lines file.
    pub converted_path: String,
    /// The rows kept.
    pub rows: u64,
    /// The rows dropped as malformed.
    pub dropped: u64,
    /// The mean of `x` (subtracted).
    pub x_mean: f64,
    /// The standard deviation of `x` (divided by).
    pub x_std: f64,
}

/// Converts the CSV to JSON lines with `x` standardized, dropping malformed rows.
#[action(category = DataValidation, input_type = CsvSamples, output_type = StandardizedSamples)]
pub struct ConvertDataset;

impl Action for ConvertDataset {
    type Params = ConvertParams;
    type Output = Converted;

    async fn execute(&self, params: ConvertParams, ctx: &Context) -> Result<Converted> {
        let file = std::fs::File::open(&params.dataset_path)
            .with_context(|| format!("cannot open the dataset `{}`", params.dataset_path))?;
        let mut samples: Vec<(f64, f64)> = Vec::new();
        let mut dropped = 0u64;
        for line in std::io::BufReader::new(file).lines().skip(1) {
            let line = line?;
            let parsed = line.split_once(',').and_then(|(x, y)| Some((x.trim().parse().ok()?, y.trim().parse().ok()?)));
            match parsed {
                Some(sample) => samples.push(sample),
                None => dropped += 1,
            }
        }
        ensure!(samples.len() >= 2, "the dataset `{}` has fewer than 2 usable rows", params.dataset_path);
        let n = samples.len() as f64;
        let x_mean = samples.iter().map(|s| s.0).sum::<f64>() / n;
        let x_std = (samples.iter().map(|s| (s.0 - x_mean).powi(2)).sum::<f64>() / n).sqrt().max(f64::EPSILON);
        let path = PathBuf::from(&params.work_dir).join("samples.jsonl");
        let mut out = BufWriter::new(std::fs::File::create(&path)?);
        let total = samples.len() as u64;
        for (i, (x, y)) in samples.iter().enumerate() {
            writeln!(out, "{}", json!({ "x": (x - x_mean) / x_std, "y": y }))?;
            ctx.set_progress(i as u64 + 1, total);
        }
        out.flush()?;
        if dropped > 0 {
            ctx.log_message(format!("dropped {dropped} malformed rows"), LogLevel::Warning);
        }
        Ok(Converted { converted_path: path.to_string_lossy().into_owned(), rows: total, dropped, x_mean, x_std })
    }
}

/// Params of `train_model`.
#[params]
pub struct TrainParams {
    /// The directory the run writes its files to.
    pub work_dir: String,
    /// The converted samples.
    pub converted_path: String,
    /// The mean of `x` the samples were standardized with.
    pub x_mean: f64,
    /// The standard deviation of `x` the samples were standardized with.
    pub x_std: f64,
    /// Passes over the data.
    #[param(default = 200, range(min = 1, max = 100_000))]
    pub epochs: u32,
    /// The gradient-descent step.
    #[param(default = 0.1, range(min = 0.000001, max = 1.0))]
    pub learning_rate: f64,
}

/// The trained model.
#[output]
pub struct Model {
    /// The model file.
    pub model_path: String,
    /// The fitted slope, in the original units of `x`.
    pub slope: f64,
    /// The fitted intercept.
    pub intercept: f64,
    /// The mean squared error on the training data after the last epoch.
    pub mse: f64,
}

/// Fits `y = slope·x + intercept` by full-batch gradient descent.
#[action(category = NeuralNet, input_type = StandardizedSamples, output_type = ModelWeights)]
pub struct TrainModel;

impl Action for TrainModel {
    type Params = TrainParams;
    type Output = Model;

    async fn execute(&self, params: TrainParams, ctx: &Context) -> Result<Model> {
        let file = std::fs::File::open(&params.converted_path)
            .with_context(|| format!("cannot open the converted samples `{}`", params.converted_path))?;
        let mut samples: Vec<(f64, f64)> = Vec::new();
        for line in std::io::BufReader::new(file).lines() {
            let row: Value = serde_json::from_str(&line?)?;
            let (Some(x), Some(y)) = (row["x"].as_f64(), row["y"].as_f64()) else { bail!("a malformed row: {row}") };
            samples.push((x, y));
        }
        ensure!(!samples.is_empty(), "no samples in `{}`", params.converted_path);
        let n = samples.len() as f64;
        let (mut w, mut b, mut mse) = (0.0f64, 0.0f64, f64::INFINITY);
        for epoch in 1..=params.epochs {
            ctx.check_cancelled()?;
            let (mut gw, mut gb, mut loss) = (0.0, 0.0, 0.0);
            for (x, y) in &samples {
                let error = w * x + b - y;
                gw += error * x;
                gb += error;
                loss += error * error;
            }
            w -= params.learning_rate * 2.0 * gw / n;
            b -= params.learning_rate * 2.0 * gb / n;
            mse = loss / n;
            if epoch % 50 == 0 || epoch == params.epochs {
                ctx.set_metrics(metrics! { epoch: epoch, mse: mse }, "train");
            }
            ctx.set_progress(u64::from(epoch), u64::from(params.epochs));
        }
        // Back to the original units: y = w·(x − mean)/std + b.
        let slope = w / params.x_std;
        let intercept = b - w * params.x_mean / params.x_std;
        let path = Path::new(&params.work_dir).join("model.json");
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&json!({ "slope": slope, "intercept": intercept, "mse": mse }))?,
        )?;
        Ok(Model { model_path: path.to_string_lossy().into_owned(), slope, intercept, mse })
    }
}

/// Generate a dataset, convert it, train a linear model on it.
#[pipeline]
pub struct DatasetPipeline(FetchDataset, ConvertDataset, TrainModel);
