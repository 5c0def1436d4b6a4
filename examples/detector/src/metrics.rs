//! `Evaluation`: how predicted classes compare with the true ones — accuracy, per-class
//! precision, recall and F1, and the confusion matrix.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One class's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassScores {
    /// The class name.
    pub name: String,
    /// How many samples truly are of this class.
    pub support: usize,
    /// Of the samples predicted as this class, the share that are (0 when none is predicted).
    pub precision: f64,
    /// Of the samples of this class, the share predicted as it (0 when it has none).
    pub recall: f64,
    /// The harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
}

/// The scores of a set of predictions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// How many samples were predicted.
    pub samples: usize,
    /// The share predicted correctly, 0–1 (0 for no samples).
    pub accuracy: f64,
    /// Per class, by class id.
    pub classes: Vec<ClassScores>,
    /// `confusion[truth][predicted]`: how many samples of class `truth` were predicted as
    /// `predicted`, classes by id.
    pub confusion: Vec<Vec<usize>>,
}

impl Evaluation {
    /// The scores of `predicted` against `truth` (class ids, pairwise) over the classes `names`.
    /// Ids past `names` are counted as wrong predictions but have no row or column.
    ///
    /// ```
    /// use detector::Evaluation;
    /// let names = ["car".to_owned(), "person".to_owned()];
    /// let scores = Evaluation::of(&names, &[0, 0, 1, 1], &[0, 1, 1, 1]);
    /// assert_eq!(scores.accuracy, 0.75);
    /// assert_eq!(scores.confusion, [[1, 1], [0, 2]]);
    /// assert_eq!((scores.classes[0].precision, scores.classes[0].recall), (1.0, 0.5));
    /// assert_eq!((scores.classes[1].precision, scores.classes[1].recall), (2.0 / 3.0, 1.0));
    /// ```
    pub fn of(names: &[String], truth: &[usize], predicted: &[usize]) -> Evaluation {
        let count = names.len();
        let mut confusion = vec![vec![0usize; count]; count];
        let mut correct = 0usize;
        for (&t, &p) in truth.iter().zip(predicted) {
            correct += usize::from(t == p);
            if t < count && p < count {
                confusion[t][p] += 1;
            }
        }
        let samples = truth.len().min(predicted.len());
        let share = |part: usize, whole: usize| if whole == 0 { 0.0 } else { part as f64 / whole as f64 };
        let classes = names
            .iter()
            .enumerate()
            .map(|(class, name)| {
                let hits = confusion[class][class];
                let support = truth.iter().zip(predicted).filter(|(t, _)| **t == class).count();
                let predicted_as = truth.iter().zip(predicted).filter(|(_, p)| **p == class).count();
                let (precision, recall) = (share(hits, predicted_as), share(hits, support));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                ClassScores { name: name.clone(), support, precision, recall, f1 }
            })
            .collect();
        Evaluation { samples, accuracy: share(correct, samples), classes, confusion }
    }

    /// The mean of the classes' F1 over the classes with samples (0 when none has).
    pub fn macro_f1(&self) -> f64 {
        let present: Vec<f64> = self.classes.iter().filter(|c| c.support > 0).map(|c| c.f1).collect();
        if present.is_empty() { 0.0 } else { present.iter().sum::<f64>() / present.len() as f64 }
    }

    /// Flat numbers for a metrics report (`Context::set_metrics` takes this map as it is):
    /// `accuracy`, `macro_f1`, `samples`, then per class `precision/<name>` and `recall/<name>`.
    ///
    /// ```
    /// use detector::Evaluation;
    /// let scores = Evaluation::of(&["car".to_owned()], &[0, 0], &[0, 0]);
    /// let flat = scores.scalars();
    /// assert_eq!(flat.keys().collect::<Vec<_>>(), ["accuracy", "macro_f1", "samples", "precision/car", "recall/car"]);
    /// assert_eq!(flat["accuracy"], 1.0);
    /// assert_eq!(flat["samples"], 2);
    /// ```
    pub fn scalars(&self) -> Map<String, Value> {
        let mut flat = Map::new();
        flat.insert("accuracy".to_owned(), self.accuracy.into());
        flat.insert("macro_f1".to_owned(), self.macro_f1().into());
        flat.insert("samples".to_owned(), self.samples.into());
        for class in &self.classes {
            flat.insert(format!("precision/{}", class.name), class.precision.into());
            flat.insert(format!("recall/{}", class.name), class.recall.into());
        }
        flat
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_class_never_predicted_or_absent_scores_zero_not_nan() {
        let names: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let scores = Evaluation::of(&names, &[0, 0, 1], &[0, 0, 0]);
        assert_eq!(scores.samples, 3);
        assert!((scores.accuracy - 2.0 / 3.0).abs() < 1e-12);
        let b = &scores.classes[1];
        assert_eq!((b.support, b.precision, b.recall, b.f1), (1, 0.0, 0.0, 0.0));
        let c = &scores.classes[2];
        assert_eq!((c.support, c.precision, c.recall), (0, 0.0, 0.0));
        assert_eq!(scores.confusion, [[2, 0, 0], [1, 0, 0], [0, 0, 0]]);
        // Macro F1 over the classes present: a (F1 0.8) and b (0).
        assert!((scores.macro_f1() - 0.4).abs() < 1e-12, "{}", scores.macro_f1());
        let empty = Evaluation::of(&names, &[], &[]);
        assert_eq!((empty.samples, empty.accuracy, empty.macro_f1()), (0, 0.0, 0.0));
    }
}
