use synapse::prelude::*;

pub struct ProcessAction;

#[action]
impl Action for ProcessAction {
    type Params = NoParams;
    type Output = ();

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<()> {
        Ok(())
    }
}

fn main() {}
