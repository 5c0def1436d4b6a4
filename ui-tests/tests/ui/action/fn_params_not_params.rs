use synapse::prelude::*;

pub struct ProcessParams {
    pub input_path: String,
}

#[action]
async fn process(_params: ProcessParams) -> Result<()> {
    Ok(())
}

fn main() {}
