use synapse::prelude::*;

#[params]
pub struct ProcessParams {
    #[param(length(max_len = 8))]
    pub tags: Vec<String>,
}

fn main() {}
