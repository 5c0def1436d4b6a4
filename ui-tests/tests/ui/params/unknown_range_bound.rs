use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(range(minimum = 1))]
    pub batch_size: u32,
}

fn main() {}
