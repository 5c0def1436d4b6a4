use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(range(min = 100, max = 10))]
    pub batch_size: u32,
}

fn main() {}
