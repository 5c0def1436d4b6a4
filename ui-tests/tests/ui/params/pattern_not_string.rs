use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(pattern = 42)]
    pub code: String,
}

fn main() {}
