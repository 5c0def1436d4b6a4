use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(default = "thirty-two")]
    pub batch_size: u32,
}

fn main() {}
