use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    pub input_path: String,
}

#[action]
async fn process(params: &ProcessParams, ctx: &Context) -> Result<()> {
    ctx.logger().info(&params.input_path);
    Ok(())
}

fn main() {}
