use synapse::prelude::*;

#[action(name)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
