use synapse::prelude::*;

#[action]
async fn process<P: Params>(_params: P) -> Result<()> {
    Ok(())
}

fn main() {}
