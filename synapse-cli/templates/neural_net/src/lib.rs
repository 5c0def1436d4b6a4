//! {{description}}
//!
//! | file | action | what it does |
//! |---|---|---|
//! | `download.rs` | `download` | a ground-truth dataset version, downloaded in DM v2 (`synapse::dataset`) |
//! | `convert.rs` | `convert` | a DM v2 dataset converted to YOLO |
//! | `train.rs` | `train` | the model trained on a YOLO dataset and registered (`synapse::train`) |
//! | `test.rs` | `test` | a trained model scored on a YOLO dataset |
//! | `inference.rs` | — | the model served (`synapse::serve`): `serve`, `infer` |
//! | `deployment.rs` | `deployment` | the model server started on Ray, registered as a serve application |
//!
//! The model (`model.rs`) is a class prior: the share of each class among a dataset's boxes,
//! fitted by gradient descent. Replace it with yours; the workflow around it stays.

use synapse::prelude::*;

synapse::plugin!(name = "{{name}}", category = NeuralNet, description = "{{description}}");

pub mod convert;
pub mod deployment;
pub mod download;
pub mod inference;
pub mod model;
pub mod test;
pub mod train;

/// Downloads a ground-truth dataset version, converts it to YOLO, trains and registers the model.
#[pipeline(name = "{{crate_ident}}")]
pub struct TrainPipeline(download::Download, convert::Convert, train::Train);
