use synapse::prelude::*;

// The shape is wrong and reported once, here; the action using the type reports nothing more.
#[params]
pub struct ProcessParams(pub String);

#[action]
async fn process(_params: ProcessParams) -> Result<()> {
    Ok(())
}

fn main() {}
