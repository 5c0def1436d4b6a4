//! The box classifier: a random forest (smartcore's `RandomForestClassifier`) over the
//! [`features`](crate::features) of box crops, fitted fold by fold on the `train` split
//! (k-fold cross-validation, each fold reported as it finishes), then on the whole split, and
//! evaluated on `valid`.

use crate::features::{self, Features};
use crate::samples::{BoxSample, BoxSet};
use crate::{DetectorError, Evaluation};
use image::RgbImage;
use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_classifier::{RandomForestClassifier, RandomForestClassifierParameters};
use smartcore::linalg::basic::matrix::DenseMatrix;
use synapse::formats::Split;

/// The forest as smartcore types it: `f64` features, `u32` class ids.
pub(crate) type Forest = RandomForestClassifier<f64, u32, DenseMatrix<f64>, Vec<u32>>;

/// The hyperparameters of a fit; a train action's params mirror them.
///
/// ```
/// let config = detector::TrainConfig::default();
/// assert_eq!((config.folds, config.trees, config.max_depth), (5, 50, 8));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TrainConfig {
    /// Cross-validation folds of the `train` split, each reported: 0 for none, else at least 2
    /// and at most the number of train boxes.
    pub folds: usize,
    /// Trees in the forest, at least 1.
    pub trees: u16,
    /// The deepest a tree grows, at least 1.
    pub max_depth: u16,
    /// The fewest boxes a leaf holds, at least 1.
    pub min_samples_leaf: usize,
    /// What the folds' shuffle and the forest's bootstrap samples derive from: a seed gives the
    /// same model.
    pub seed: u64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig { folds: 5, trees: 50, max_depth: 8, min_samples_leaf: 1, seed: 42 }
    }
}

impl TrainConfig {
    /// The first setting out of range for `train_boxes` boxes.
    fn check(&self, train_boxes: usize) -> Result<(), DetectorError> {
        let invalid = |field, message: String| Err(DetectorError::Config { field, message });
        if self.trees == 0 {
            return invalid("trees", "a forest needs at least 1 tree".into());
        }
        if self.max_depth == 0 {
            return invalid("max_depth", "a tree needs a depth of at least 1".into());
        }
        if self.min_samples_leaf == 0 {
            return invalid("min_samples_leaf", "a leaf holds at least 1 box".into());
        }
        if self.folds == 1 {
            return invalid("folds", "1 fold has nothing held out: use 0 for no cross-validation, or 2 or more".into());
        }
        if self.folds > train_boxes {
            return invalid("folds", format!("{} folds of {train_boxes} train boxes leave a fold empty", self.folds));
        }
        Ok(())
    }

    fn forest_parameters(&self, seed: u64) -> RandomForestClassifierParameters {
        RandomForestClassifierParameters::default()
            .with_n_trees(self.trees)
            .with_max_depth(self.max_depth)
            .with_min_samples_leaf(self.min_samples_leaf)
            .with_seed(seed)
    }
}

/// One cross-validation fold: fitted on the other folds, scored on them and on itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldReport {
    /// The fold, from 1.
    pub fold: usize,
    /// How many folds in all.
    pub folds: usize,
    /// Scores on the boxes the fold's model was fitted to.
    pub train: Evaluation,
    /// Scores on the fold's held-out boxes.
    pub held_out: Evaluation,
}

/// What [`fit`] produced.
#[derive(Debug)]
pub struct Trained {
    /// The model fitted on the whole `train` split.
    pub classifier: Classifier,
    /// The cross-validation folds, in order (empty with `folds: 0`).
    pub folds: Vec<FoldReport>,
    /// The model's scores on the `train` split.
    pub train: Evaluation,
    /// Its scores on the `valid` split; `None` when the dataset has no valid box.
    pub valid: Option<Evaluation>,
}

/// A predicted class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prediction {
    /// The class id.
    pub class: usize,
    /// Its name.
    pub name: String,
}

/// A fitted box classifier with its class names and the settings it was fitted with.
#[derive(Debug)]
pub struct Classifier {
    pub(crate) names: Vec<String>,
    pub(crate) config: TrainConfig,
    pub(crate) forest: Forest,
}

/// Fits a classifier to the boxes of `data`'s `train` split as `config` says, and evaluates it
/// on `valid`. With `config.folds` = k ≥ 2, first the train boxes are shuffled (seeded) and dealt
/// into k folds; for each fold a forest is fitted on the others and `on_fold` receives its
/// [`FoldReport`] as soon as it is scored (a train action forwards it as that step's metrics).
/// Then the returned model is fitted on every train box.
///
/// # Errors
/// [`DetectorError::EmptySplit`] when `train` has no box; [`DetectorError::Config`] naming the
/// setting out of range; [`DetectorError::Model`] naming the fit or prediction smartcore
/// refused.
pub fn fit(
    data: &BoxSet,
    config: &TrainConfig,
    mut on_fold: impl FnMut(&FoldReport),
) -> Result<Trained, DetectorError> {
    let train = data.split(Split::Train);
    if train.is_empty() {
        return Err(DetectorError::EmptySplit {
            split: Split::Train,
            needed_for: "fitting a model needs at least one",
        });
    }
    config.check(train.len())?;
    let mut folds = Vec::with_capacity(config.folds);
    let fold_of = fold_assignment(train.len(), config.folds, config.seed);
    for fold in 0..config.folds {
        let (fitting, held_out): (Vec<_>, Vec<_>) =
            train.iter().zip(&fold_of).partition(|(_, assigned)| **assigned != fold);
        let fitting: Vec<&BoxSample> = fitting.into_iter().map(|(sample, _)| *sample).collect();
        let held_out: Vec<&BoxSample> = held_out.into_iter().map(|(sample, _)| *sample).collect();
        let step = format!("fitting fold {} of {}", fold + 1, config.folds);
        let model =
            Classifier::fit_on(&data.names, config, &fitting, config.seed.wrapping_add(fold as u64 + 1), &step)?;
        let report = FoldReport {
            fold: fold + 1,
            folds: config.folds,
            train: model.evaluate(&fitting)?,
            held_out: model.evaluate(&held_out)?,
        };
        on_fold(&report);
        folds.push(report);
    }
    let classifier = Classifier::fit_on(&data.names, config, &train, config.seed, "fitting the train split")?;
    let train_scores = classifier.evaluate(&train)?;
    let valid = data.split(Split::Valid);
    let valid = if valid.is_empty() { None } else { Some(classifier.evaluate(&valid)?) };
    Ok(Trained { classifier, folds, train: train_scores, valid })
}

/// For each of `count` samples its fold in `0..folds`: a seeded shuffle dealt round-robin, so
/// fold sizes differ by at most one.
fn fold_assignment(count: usize, folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..count).collect();
    let mut state = seed;
    // Fisher–Yates with SplitMix64 (the dev backend's generator): the same on every platform.
    for i in (1..count).rev() {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        order.swap(i, (z % (i as u64 + 1)) as usize);
    }
    let mut fold_of = vec![0; count];
    for (position, &sample) in order.iter().enumerate() {
        fold_of[sample] = position % folds.max(1);
    }
    fold_of
}

/// The features of `rows` as smartcore's matrix.
fn matrix(rows: &[Features], step: &str) -> Result<DenseMatrix<f64>, DetectorError> {
    let rows: Vec<Vec<f64>> = rows.iter().map(|row| row.to_vec()).collect();
    DenseMatrix::from_2d_vec(&rows)
        .map_err(|error| DetectorError::Model { step: step.to_owned(), message: error.to_string() })
}

impl Classifier {
    fn fit_on(
        names: &[String],
        config: &TrainConfig,
        samples: &[&BoxSample],
        seed: u64,
        step: &str,
    ) -> Result<Classifier, DetectorError> {
        let rows: Vec<Features> = samples.iter().map(|sample| sample.features).collect();
        let classes: Vec<u32> = samples.iter().map(|sample| sample.class as u32).collect();
        let forest = Forest::fit(&matrix(&rows, step)?, &classes, config.forest_parameters(seed))
            .map_err(|error| DetectorError::Model { step: step.to_owned(), message: error.to_string() })?;
        Ok(Classifier { names: names.to_vec(), config: config.clone(), forest })
    }

    /// The class names, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The settings it was fitted with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The class id of each feature vector of `rows` (empty for no rows).
    ///
    /// # Errors
    /// [`DetectorError::Model`] when smartcore refuses the prediction.
    pub fn predict_features(&self, rows: &[Features]) -> Result<Vec<usize>, DetectorError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let predicted = self
            .forest
            .predict(&matrix(rows, "predicting")?)
            .map_err(|error| DetectorError::Model { step: "predicting".into(), message: error.to_string() })?;
        Ok(predicted.into_iter().map(|class| class as usize).collect())
    }

    /// The class of a box's `crop`, from an image of `image_size` (width, height) pixels (its
    /// relative size is a feature).
    ///
    /// # Errors
    /// As [`Classifier::predict_features`].
    pub fn predict(&self, crop: &RgbImage, image_size: (u32, u32)) -> Result<Prediction, DetectorError> {
        let class =
            self.predict_features(&[features::describe(crop, image_size)])?.first().copied().ok_or_else(|| {
                DetectorError::Model { step: "predicting".into(), message: "no class for the crop".into() }
            })?;
        let name = self.names.get(class).cloned().unwrap_or_else(|| format!("class{class}"));
        Ok(Prediction { class, name })
    }

    /// The class of each of `samples`.
    ///
    /// # Errors
    /// As [`Classifier::predict_features`].
    pub fn predict_samples(&self, samples: &[&BoxSample]) -> Result<Vec<usize>, DetectorError> {
        let rows: Vec<Features> = samples.iter().map(|sample| sample.features).collect();
        self.predict_features(&rows)
    }

    /// The scores of its predictions for `samples` against their labels.
    ///
    /// # Errors
    /// As [`Classifier::predict_features`].
    pub fn evaluate(&self, samples: &[&BoxSample]) -> Result<Evaluation, DetectorError> {
        let predicted = self.predict_samples(samples)?;
        let truth: Vec<usize> = samples.iter().map(|sample| sample.class).collect();
        Ok(Evaluation::of(&self.names, &truth, &predicted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_a_seeded_partition_of_near_equal_sizes() {
        let folds = fold_assignment(23, 5, 9);
        let mut sizes = [0; 5];
        for &fold in &folds {
            sizes[fold] += 1;
        }
        assert_eq!(sizes, [5, 5, 5, 4, 4]);
        assert_eq!(folds, fold_assignment(23, 5, 9));
        assert_ne!(folds, fold_assignment(23, 5, 10));
    }

    #[test]
    fn each_setting_out_of_range_is_named() {
        let field_of = |config: TrainConfig, boxes| match config.check(boxes) {
            Err(DetectorError::Config { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let base = TrainConfig::default();
        assert_eq!(field_of(TrainConfig { trees: 0, ..base.clone() }, 10), "trees");
        assert_eq!(field_of(TrainConfig { max_depth: 0, ..base.clone() }, 10), "max_depth");
        assert_eq!(field_of(TrainConfig { min_samples_leaf: 0, ..base.clone() }, 10), "min_samples_leaf");
        assert_eq!(field_of(TrainConfig { folds: 1, ..base.clone() }, 10), "folds");
        assert_eq!(field_of(base.clone(), 4), "folds");
        assert!(TrainConfig { folds: 0, ..base }.check(1).is_ok());
    }
}
