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

/// Exports weights, which take a model.
#[action(input_type = ModelWeights)]
pub struct Export;

impl Action for Export {
    type Params = NoParams;
    type Output = Value;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<Value> {
        Ok(json!({}))
    }
}

/// Export cannot take a dataset.
#[pipeline]
pub struct Broken(Download, Export, Train);

fn main() {}
