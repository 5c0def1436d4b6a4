use synapse::prelude::*;

#[action(name = process)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
