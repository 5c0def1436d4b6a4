use synapse::prelude::*;
use synapse::types::{Dataset, ModelWeights};

/// Downloads a dataset; its attribute has a mistake, reported here and nowhere else.
#[action(catgory = Custom)]
pub struct Download;

impl Action for Download {
    type Params = NoParams;
    type Output = Value;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<Value> {
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
pub struct DatasetToModel(Download, Train);

fn main() {}
