use synapse::prelude::*;

pub struct ProcessParams {
    pub input_path: String,
}

#[action]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = ProcessParams;
    type Output = ();

    async fn execute(&self, _params: ProcessParams, _ctx: &Context) -> Result<()> {
        Ok(())
    }
}

fn main() {}
