use synapse::prelude::*;

#[action]
pub struct TrainAction {
    model_dir: String,
}

impl Action for TrainAction {
    type Params = NoParams;
    type Output = ();

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<()> {
        let _ = &self.model_dir;
        Ok(())
    }
}

fn main() {}
