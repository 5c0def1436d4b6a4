use synapse::prelude::*;

#[action(description = 42)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
