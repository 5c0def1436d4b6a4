use synapse::prelude::*;

#[action(method = Jobs)]
async fn train(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
