use synapse::prelude::*;
use synapse::types::{Dataset, ModelWeights, YoloDataset};

/// Download params.
#[params]
pub struct DownloadParams {
    /// Where from.
    pub url: String,
}

/// Downloads a dataset.
#[action(output_type = YoloDataset)]
pub struct Download;

impl Action for Download {
    type Params = DownloadParams;
    type Output = Value;

    async fn execute(&self, _params: DownloadParams, _ctx: &Context) -> Result<Value> {
        Ok(json!({}))
    }
}

/// Trains on any dataset.
#[action(input_type = Dataset, output_type = ModelWeights)]
pub struct Train;

impl Action for Train {
    type Params = NoParams;
    type Output = Value;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<Value> {
        Ok(json!({}))
    }
}

#[pipeline]
pub struct Broken {
    download: Download,
    train: Train,
}

fn main() {}
