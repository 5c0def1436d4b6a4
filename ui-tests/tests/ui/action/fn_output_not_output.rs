use synapse::prelude::*;

pub struct ProcessResult {
    pub items_processed: u64,
}

#[action]
async fn process(_params: NoParams) -> Result<ProcessResult> {
    Ok(ProcessResult { items_processed: 0 })
}

fn main() {}
