use synapse::prelude::*;

#[step(weight = 0.5)]
async fn resize_images() -> Result<()> {
    Ok(())
}

fn main() {}
