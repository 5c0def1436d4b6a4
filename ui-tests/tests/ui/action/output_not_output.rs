use synapse::prelude::*;

pub struct ProcessResult {
    pub items_processed: u64,
}

#[action]
pub struct ProcessAction;

impl Action for ProcessAction {
    type Params = NoParams;
    type Output = ProcessResult;

    async fn execute(&self, _params: NoParams, _ctx: &Context) -> Result<ProcessResult> {
        Ok(ProcessResult { items_processed: 0 })
    }
}

fn main() {}
