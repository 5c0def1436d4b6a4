use synapse::prelude::*;

#[output(allow_unknown_fields)]
pub struct ProcessResult {
    pub items_processed: u64,
}

fn main() {}
