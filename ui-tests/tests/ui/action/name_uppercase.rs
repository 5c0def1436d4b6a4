use synapse::prelude::*;

#[action(name = "Process")]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
