use synapse::prelude::*;

#[action]
async fn entraîner(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
