use synapse::prelude::*;

#[action(catgory = Custom)]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
