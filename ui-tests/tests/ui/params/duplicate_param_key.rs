use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(default = 32)]
    #[param(range(min = 1), default = 64)]
    pub batch_size: u32,
}

fn main() {}
