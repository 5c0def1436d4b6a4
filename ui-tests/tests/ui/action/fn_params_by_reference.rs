use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    pub input_path: String,
}

#[action]
async fn process(params: &ProcessParams) -> Result<()> {
    println!("{}", params.input_path);
    Ok(())
}

fn main() {}
