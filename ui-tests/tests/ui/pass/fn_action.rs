use synapse::prelude::*;
use synapse::types::{ModelWeights, YoloDataset};

#[params]
pub struct TrainParams {
    #[param(default = 10, range(min = 1))]
    pub epochs: u32,
}

/// Train a detector.
#[action(category = NeuralNet, input_type = YoloDataset, output_type = ModelWeights)]
async fn train(params: TrainParams, ctx: &Context) -> Result<Value> {
    for epoch in 1..=params.epochs {
        ctx.set_category_progress("train", epoch.into(), params.epochs.into());
    }
    Ok(json!({ "epochs": params.epochs }))
}

/// A sync fn without context or params.
#[action]
fn ping() -> Result<()> {
    Ok(())
}

fn main() {
    let registry = synapse::registry::registry().unwrap();
    let train = registry.action("train").unwrap();
    assert_eq!(train.meta().method, RunMethod::Job);
    assert_eq!(train.meta().input_type.unwrap().name, "yolo_dataset");
    assert!(registry.action("ping").is_some());
}
