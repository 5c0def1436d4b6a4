use synapse::prelude::*;

#[action(name = "process files")]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
