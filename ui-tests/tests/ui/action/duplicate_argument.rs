use synapse::prelude::*;

#[action(name = "process", category = Custom, name = "convert")]
async fn process(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
