use synapse::prelude::*;

#[action]
async fn process(_params: NoParams, _ctx: &Context, _other: &Context) -> Result<()> {
    Ok(())
}

fn main() {}
