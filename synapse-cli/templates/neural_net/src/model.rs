//! The model: a class prior (each class's share of the boxes, as softmax logits), fitted by
//! gradient descent on the cross-entropy of a dataset's box classes, saved as `model.json`.

use std::path::Path;
use synapse::formats::yolo::YoloDataset;
use synapse::formats::Split;
use synapse::prelude::*;
use synapse::serde_json;

/// The file a model directory holds.
pub const MODEL_FILE: &str = "model.json";

/// A class prior over named classes.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassPrior {
    /// The class names, by class id.
    pub names: Vec<String>,
    /// One logit per class.
    pub logits: Vec<f64>,
}

impl ClassPrior {
    /// Uniform over `names`.
    pub fn new(names: Vec<String>) -> Self {
        let logits = vec![0.0; names.len()];
        ClassPrior { names, logits }
    }

    /// Each class's probability (softmax of the logits).
    pub fn probabilities(&self) -> Vec<f64> {
        let max = self.logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let exp: Vec<f64> = self.logits.iter().map(|logit| (logit - max).exp()).collect();
        let sum: f64 = exp.iter().sum();
        exp.iter().map(|e| e / sum).collect()
    }

    /// The mean cross-entropy of `counts` (boxes per class id) under the model.
    pub fn loss(&self, counts: &[u64]) -> f64 {
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return 0.0;
        }
        let probabilities = self.probabilities();
        let nll: f64 = counts.iter().zip(&probabilities).map(|(n, p)| -(*n as f64) * p.max(1e-12).ln()).sum();
        nll / total as f64
    }

    /// One step of gradient descent on [`loss`](Self::loss) (its gradient is `p - share`).
    pub fn step(&mut self, counts: &[u64], learning_rate: f64) {
        let total = counts.iter().sum::<u64>().max(1) as f64;
        let probabilities = self.probabilities();
        for ((logit, p), n) in self.logits.iter_mut().zip(probabilities).zip(counts) {
            *logit -= learning_rate * (p - *n as f64 / total);
        }
    }

    /// The most likely class, with its probability.
    pub fn predict(&self) -> Option<(&str, f64)> {
        let probabilities = self.probabilities();
        let best = (0..self.names.len()).max_by(|a, b| probabilities[*a].total_cmp(&probabilities[*b]))?;
        Some((self.names[best].as_str(), probabilities[best]))
    }

    /// Writes `dir/model.json`.
    pub fn save(&self, dir: &Path) -> Result<()> {
        let json = json!({"names": self.names, "logits": self.logits});
        std::fs::write(dir.join(MODEL_FILE), serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("writing {}", dir.join(MODEL_FILE).display()))
    }

    /// Reads `dir/model.json`.
    pub fn load(dir: &Path) -> Result<ClassPrior> {
        let path = dir.join(MODEL_FILE);
        let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let json: Value = serde_json::from_str(&text).with_context(|| format!("{} is not JSON", path.display()))?;
        let names: Vec<String> = serde_json::from_value(json["names"].clone())
            .with_context(|| format!("{}: `names` is not a list of names", path.display()))?;
        let logits: Vec<f64> = serde_json::from_value(json["logits"].clone())
            .with_context(|| format!("{}: `logits` is not a list of numbers", path.display()))?;
        ensure!(names.len() == logits.len(), "{}: {} names but {} logits", path.display(), names.len(), logits.len());
        Ok(ClassPrior { names, logits })
    }
}

/// The boxes per class id of `dataset`'s images in `split` (all of them for `None`).
pub fn class_counts(dataset: &YoloDataset, split: Option<Split>) -> Vec<u64> {
    let mut counts = vec![0; dataset.names.len()];
    let images = dataset.images.iter().filter(|image| split.is_none() || image.split == split);
    for label in images.flat_map(|image| &image.labels) {
        if let Some(count) = counts.get_mut(label.class) {
            *count += 1;
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitting_lowers_the_loss_towards_the_class_shares() {
        let counts = [3, 1];
        let mut model = ClassPrior::new(vec!["car".into(), "person".into()]);
        let before = model.loss(&counts);
        for _ in 0..500 {
            model.step(&counts, 1.0);
        }
        assert!(model.loss(&counts) < before);
        let p = model.probabilities();
        assert!((p[0] - 0.75).abs() < 0.01, "{p:?}");
        assert_eq!(model.predict().map(|(name, _)| name), Some("car"));
    }
}
