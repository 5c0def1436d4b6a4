use synapse::prelude::*;

pub struct Processor;

impl Processor {
    #[action]
    pub async fn process(&self, _params: NoParams) -> Result<()> {
        Ok(())
    }
}

fn main() {}
