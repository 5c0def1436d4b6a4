use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(range())]
    pub batch_size: u32,
}

fn main() {}
