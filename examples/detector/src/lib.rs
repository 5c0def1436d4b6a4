//! A box classifier for labelled image datasets: the model a train action fits to a
//! ground-truth dataset version once it is downloaded (`synapse::dataset`) and converted to YOLO
//! (`synapse::formats::converter_for("dm_v2", "yolo")`).
//!
//! Every labelled box is cropped from its image and described by 20 numbers (colour means and
//! spreads, a coarse colour histogram, shape and relative size: [`features`]); a random forest
//! (smartcore) learns the class from them. [`fit`] cross-validates on the `train` split fold by
//! fold, reporting each fold through a callback, then fits on the whole split and scores the
//! model on `valid` ([`Evaluation`]: accuracy, per-class precision and recall, confusion matrix).
//! A [`Classifier`] saves to and loads from a model directory ([`store`]) and predicts the class
//! of a crop; [`visualize`] draws its validation results; [`serve`] serves the trained models
//! (`detector serve`, `detector infer`, the `inference` action).
//!
//! ```no_run
//! use detector::{BoxSet, Classifier, TrainConfig};
//! use std::path::Path;
//! # fn main() -> Result<(), detector::DetectorError> {
//! let data = BoxSet::read_yolo(Path::new("/data/yolo/dataset.yaml"))?;
//! let trained = detector::fit(&data, &TrainConfig::default(), |fold| {
//!     println!("fold {}/{}: held-out accuracy {:.3}", fold.fold, fold.folds, fold.held_out.accuracy);
//! })?;
//! println!("valid accuracy {:?}", trained.valid.as_ref().map(|v| v.accuracy));
//! trained.classifier.save(Path::new("/data/model"))?;
//! let model = Classifier::load(Path::new("/data/model"))?;
//! # let _ = model;
//! # Ok(())
//! # }
//! ```
//!
//! | file | holds |
//! |---|---|
//! | `features.rs` | a label's pixels, crops, thumbnails and the feature vector |
//! | `samples.rs` | [`BoxSet`]: the boxes of a YOLO dataset, read and described |
//! | `model.rs` | [`TrainConfig`], [`fit`], [`Classifier`]'s predictions |
//! | `metrics.rs` | [`Evaluation`] |
//! | `store.rs` | the model directory: [`Classifier::save`], [`Classifier::load`] |
//! | `visualize.rs` | the validation grid and the confusion heat map, as PNG |
//! | `serve.rs` | the model server: [`serve::DetectorServe`] classifies the boxes of a base64 image with a trained model |
//! | `plugin.rs` | the plugin: the `dataset`, `download_dataset`, `convert_to_yolo`, `train` and `inference` actions, the `detector` pipeline |
//! | `error.rs` | [`DetectorError`] |

mod error;
pub mod features;
mod metrics;
mod model;
pub mod plugin;
pub mod samples;
pub mod serve;
pub mod store;
pub mod visualize;

pub use error::DetectorError;
pub use metrics::{ClassScores, Evaluation};
pub use model::{Classifier, FoldReport, Prediction, TrainConfig, Trained, fit};
pub use plugin::{
    ConvertToYolo, Dataset, DetectorPipeline, DownloadDataset, Hyperparameters, Inference, InferenceParams,
    InferenceResult, Train,
};
pub use samples::{BoxSample, BoxSet};
