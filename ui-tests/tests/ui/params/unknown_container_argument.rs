use synapse::prelude::*;

#[params(allow_unknown_field)]
pub struct ProcessParams {
    pub input_path: String,
}

fn main() {}
