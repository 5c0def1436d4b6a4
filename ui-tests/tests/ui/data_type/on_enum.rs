use synapse::prelude::*;

#[data_type]
pub enum AcmeDataset {
    Train,
    Test,
}

fn main() {}
