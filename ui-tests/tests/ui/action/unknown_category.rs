use synapse::prelude::*;

#[action(category = NeuralNetwork)]
async fn train(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
