//! Semantic data types: what kind of thing an action consumes or produces (`YoloDataset`,
//! `ModelWeights`, …), so pipelines can check that one action's output feeds the next.
//!
//! Declare your own with [`#[data_type]`](crate::data_type); its name is the snake_case of the
//! type name, and `parent` places it in the hierarchy:
//!
//! ```
//! use synapse::prelude::*;
//! use synapse::types::Dataset;
//!
//! /// A dataset in our in-house format.
//! #[data_type(parent = Dataset)]
//! pub struct AcmeDataset;
//!
//! let info = &<AcmeDataset as DataType>::INFO;
//! assert_eq!(info.name, "acme_dataset");
//! assert!(info.is_a(&<Dataset as DataType>::INFO));
//! ```

use std::fmt;

/// A semantic data type. Implemented by [`#[data_type]`](crate::data_type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a semantic data type",
    label = "expected a type declared with `#[data_type]`",
    note = "use a type from `synapse::types` (YoloDataset, ModelWeights, …) or declare one with `#[synapse::data_type(parent = …)] pub struct {Self};`"
)]
pub trait DataType: 'static {
    /// Its name, description and parent.
    const INFO: DataTypeInfo;
}

/// What is known about a data type at run time.
#[derive(Debug, Clone, Copy)]
pub struct DataTypeInfo {
    /// The name written to `config.yaml`: `yolo_dataset`.
    pub name: &'static str,
    /// One line saying what it is.
    pub description: &'static str,
    /// The more general type it specializes, if any.
    pub parent: Option<&'static DataTypeInfo>,
}

impl DataTypeInfo {
    /// True when `self` is `other` or specializes it.
    pub const fn is_a(&self, other: &DataTypeInfo) -> bool {
        let mut current = self;
        loop {
            if crate::steps::plan::str_eq(current.name, other.name) {
                return true;
            }
            match current.parent {
                Some(parent) => current = parent,
                None => return false,
            }
        }
    }

    /// True when either type specializes the other (the original's compatibility rule).
    ///
    /// ```
    /// use synapse::{DataType, types::{Dataset, YoloDataset, ModelWeights}};
    /// let yolo = &<YoloDataset as DataType>::INFO;
    /// assert!(yolo.is_compatible_with(&<Dataset as DataType>::INFO));
    /// assert!(!yolo.is_compatible_with(&<ModelWeights as DataType>::INFO));
    /// ```
    pub const fn is_compatible_with(&self, other: &DataTypeInfo) -> bool {
        self.is_a(other) || other.is_a(self)
    }

    /// Whether an action whose input type is `input` can take the output of one whose output
    /// type is `output`: compatible types, or either undeclared (nothing to check). Pipelines
    /// check every adjacent pair with this at compile time.
    ///
    /// ```
    /// use synapse::{DataType, DataTypeInfo, types::{Dataset, YoloDataset, ModelWeights}};
    /// const YOLO: &DataTypeInfo = &<YoloDataset as DataType>::INFO;
    /// const _: () = assert!(DataTypeInfo::feeds(Some(YOLO), Some(&<Dataset as DataType>::INFO)));
    /// assert!(!DataTypeInfo::feeds(Some(YOLO), Some(&<ModelWeights as DataType>::INFO)));
    /// assert!(DataTypeInfo::feeds(None, Some(YOLO)));
    /// ```
    pub const fn feeds(output: Option<&DataTypeInfo>, input: Option<&DataTypeInfo>) -> bool {
        match (output, input) {
            (Some(output), Some(input)) => output.is_compatible_with(input),
            _ => true,
        }
    }

    /// The names from this type up to its root: `["yolo_dataset", "dataset"]`.
    pub fn lineage(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        let mut current = Some(self);
        while let Some(info) = current {
            names.push(info.name);
            current = info.parent;
        }
        names
    }
}

impl PartialEq for DataTypeInfo {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for DataTypeInfo {}

impl fmt::Display for DataTypeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The built-in data types.
pub mod types {
    use crate::data_type;

    /// Any dataset.
    #[data_type]
    pub struct Dataset;

    /// A dataset in the Synapse data-manager format.
    #[data_type(parent = Dataset)]
    pub struct DmDataset;

    /// A data-manager dataset, schema version 1.
    #[data_type(parent = DmDataset)]
    pub struct DmV1Dataset;

    /// A data-manager dataset, schema version 2.
    #[data_type(parent = DmDataset)]
    pub struct DmV2Dataset;

    /// A dataset in YOLO format (images plus one label file per image).
    #[data_type(parent = Dataset)]
    pub struct YoloDataset;

    /// A dataset in COCO format (images plus one annotations JSON).
    #[data_type(parent = Dataset)]
    pub struct CocoDataset;

    /// A dataset in Pascal VOC format (images plus XML annotations).
    #[data_type(parent = Dataset)]
    pub struct PascalVocDataset;

    /// Any model.
    #[data_type]
    pub struct Model;

    /// Trained model weights (e.g. a `.pt` file).
    #[data_type(parent = Model)]
    pub struct ModelWeights;

    /// A model exported to ONNX.
    #[data_type(parent = Model)]
    pub struct OnnxModel;

    /// A model compiled for TensorRT.
    #[data_type(parent = Model)]
    pub struct TensorrtModel;

    /// Any results of running a model.
    #[data_type]
    pub struct Results;

    /// Evaluation results on a test split.
    #[data_type(parent = Results)]
    pub struct TestResults;

    /// Predictions produced by inference.
    #[data_type(parent = Results)]
    pub struct InferenceResults;
}
