//! `convert`: a DM v2 dataset converted to YOLO (the Ultralytics layout, with `dataset.yaml`).

use synapse::dataset::{DatasetOperation, DatasetParams, DatasetResult, run_dataset};
use synapse::prelude::*;
use synapse::types::{DmV2Dataset, YoloDataset};

/// Converts a DM v2 dataset to YOLO.
#[action(name = "convert", method = Job, category = NeuralNet, input_type = DmV2Dataset, output_type = YoloDataset)]
pub struct Convert;

impl Action for Convert {
    type Params = DatasetParams;
    type Output = DatasetResult;

    async fn execute(&self, mut params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
        params.operation = DatasetOperation::Convert;
        params.source_format = "dm_v2".to_owned();
        params.target_format = Some("yolo".to_owned());
        Ok(run_dataset(ctx, &params).await?)
    }
}
