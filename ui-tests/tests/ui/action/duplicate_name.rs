use synapse::prelude::*;

#[action(name = "process")]
async fn process_files(_params: NoParams) -> Result<()> {
    Ok(())
}

#[action(name = "process")]
async fn process_images(_params: NoParams) -> Result<()> {
    Ok(())
}

fn main() {}
