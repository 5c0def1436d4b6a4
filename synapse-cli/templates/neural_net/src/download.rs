//! `download`: a ground-truth dataset version, in DM v2 (the SDK's dataset action's `download`).

use synapse::dataset::{DatasetOperation, DatasetParams, DatasetResult, run_dataset};
use synapse::prelude::*;
use synapse::types::DmV2Dataset;

/// Downloads a ground-truth dataset version in DM v2.
#[action(name = "download", method = Job, category = NeuralNet, output_type = DmV2Dataset)]
pub struct Download;

impl Action for Download {
    type Params = DatasetParams;
    type Output = DatasetResult;

    async fn execute(&self, mut params: DatasetParams, ctx: &Context) -> Result<DatasetResult> {
        params.operation = DatasetOperation::Download;
        params.target_format = None;
        Ok(run_dataset(ctx, &params).await?)
    }
}
