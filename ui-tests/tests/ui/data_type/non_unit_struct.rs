use synapse::prelude::*;

#[data_type]
pub struct AcmeDataset {
    pub root: String,
}

fn main() {}
