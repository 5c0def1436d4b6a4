use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    pub input_path: String,
}

#[action]
async fn process(params: ProcessParams, batch_size: u32) -> Result<()> {
    let _ = (params, batch_size);
    Ok(())
}

fn main() {}
